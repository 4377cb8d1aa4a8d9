"""The demo sneaker catalogue: brands and real-looking products with style codes, colorways,
retail prices (EUR), release dates and a market tier.

Tiers drive the demo economics in scripts/demo_data.py:
  grail  hyped, resells far above retail, sells within days
  hot    resells clearly above retail, sells fast
  core   steady sellers around retail
  brick  trades below retail, sells slowly
  dead   models nobody wants any more: they sit in stock (the demo's dead stock)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

Tier = Literal["grail", "hot", "core", "brick", "dead"]

BRANDS: tuple[str, ...] = (
    "Nike",
    "Jordan",
    "Adidas",
    "Yeezy",
    "New Balance",
    "ASICS",
    "Puma",
    "Salomon",
    "On",
    "Converse",
)


@dataclass(frozen=True, slots=True)
class CatalogProduct:
    brand: str
    name: str
    sku: str
    colorway: str
    retail_price: Decimal
    release_date: date
    tier: Tier
    category: str = "sneakers"


# (name, sku, colorway, retail, release date, tier)
_Row = tuple[str, str, str, int, str, Tier]

_CATALOG: dict[str, list[_Row]] = {
    "Jordan": [
        (
            'Air Jordan 1 Retro High OG "Chicago Lost & Found"',
            "DZ5485-612",
            "Varsity Red/Black-Sail-Muslin",
            180,
            "2022-11-19",
            "grail",
        ),
        (
            'Air Jordan 4 Retro "Bred Reimagined"',
            "FV5029-006",
            "Black/Fire Red-Cement Grey-Summit White",
            215,
            "2024-02-17",
            "hot",
        ),
        (
            'Air Jordan 1 Retro High OG "Dark Mocha"',
            "555088-105",
            "Sail/Dark Mocha-Black-Black",
            170,
            "2020-10-31",
            "grail",
        ),
        (
            'Air Jordan 1 Retro High OG "University Blue"',
            "555088-134",
            "White/University Blue-Black",
            170,
            "2021-03-06",
            "hot",
        ),
        (
            'Air Jordan 4 Retro "Military Black"',
            "DH6927-111",
            "White/Black-Neutral Grey",
            190,
            "2022-05-21",
            "hot",
        ),
        ('Air Jordan 4 Retro "Thunder"', "DH6927-017", "Black/Tour Yellow", 210, "2023-05-13", "hot"),
        (
            'Air Jordan 4 Retro "Black Cat"',
            "FV5029-010",
            "Black/Black-Light Graphite",
            215,
            "2025-11-28",
            "grail",
        ),
        (
            'Air Jordan 4 Retro "White Cement"',
            "FV5029-100",
            "White/Fire Red-Black-Tech Grey",
            215,
            "2025-11-01",
            "hot",
        ),
        (
            'Air Jordan 11 Retro "Gratitude"',
            "CT8012-170",
            "White/Metallic Gold-Black",
            230,
            "2023-12-09",
            "hot",
        ),
        (
            'Air Jordan 11 Retro "Legend Blue"',
            "CT8012-104",
            "White/Legend Blue-Black",
            230,
            "2024-12-14",
            "core",
        ),
        (
            'Air Jordan 3 Retro "White Cement Reimagined"',
            "DN3707-100",
            "Summit White/Fire Red-Black-Cement Grey",
            210,
            "2023-03-11",
            "core",
        ),
        (
            'Air Jordan 3 Retro "Black Cat"',
            "CT8532-001",
            "Black/Black-Dark Charcoal",
            200,
            "2025-05-24",
            "core",
        ),
        (
            'Air Jordan 5 Retro "Olive"',
            "DD0587-308",
            "Black/Light Olive-Solar Red",
            210,
            "2024-03-23",
            "brick",
        ),
        (
            'Air Jordan 6 Retro "Toro Bravo"',
            "CT8529-600",
            "Varsity Red/Varsity Red-Black",
            210,
            "2023-02-04",
            "dead",
        ),
        ('Air Jordan 12 Retro "Cherry"', "CT8013-116", "White/Varsity Red-Black", 200, "2023-10-28", "brick"),
        (
            'Air Jordan 1 Low OG "Black Toe"',
            "CZ0790-106",
            "White/Black-Varsity Red",
            140,
            "2023-02-25",
            "hot",
        ),
        (
            'Air Jordan 1 Low "Travis Scott Reverse Mocha"',
            "DM7866-162",
            "Sail/University Red-Ridgerock",
            150,
            "2022-07-21",
            "grail",
        ),
        (
            'Air Jordan 1 Retro High OG "Yellow Ochre"',
            "DZ5485-701",
            "Yellow Ochre/Black-White",
            180,
            "2023-08-19",
            "core",
        ),
        (
            'Air Jordan 1 Retro High OG "Black White"',
            "DZ5485-010",
            "Black/White-Black",
            180,
            "2024-03-09",
            "core",
        ),
        (
            'Air Jordan 1 Mid "Light Smoke Grey"',
            "554724-078",
            "Black/Light Smoke Grey-White",
            125,
            "2022-01-15",
            "brick",
        ),
        (
            'Air Jordan 1 Mid "Chicago Black Toe"',
            "554724-069",
            "Black/Gym Red-White",
            125,
            "2021-05-01",
            "brick",
        ),
        (
            'Air Jordan 13 Retro "Blue Grey"',
            "414571-170",
            "White/Blue Grey-University Blue",
            210,
            "2024-08-17",
            "dead",
        ),
        (
            'Air Jordan 2 Retro Low "Python"',
            "DV9956-103",
            "Sail/Black-Tech Grey-Coconut Milk",
            160,
            "2023-06-10",
            "dead",
        ),
        (
            'Air Jordan 4 Retro SB "Pine Green"',
            "DR5415-103",
            "Sail/Pine Green-Neutral Grey",
            225,
            "2023-03-21",
            "grail",
        ),
        (
            'Air Jordan 4 Retro "Frozen Moments"',
            "AQ9129-001",
            "Light Iron Ore/Sail-Neutral Grey",
            210,
            "2023-10-21",
            "core",
        ),
    ],
    "Nike": [
        ('Dunk Low "Panda"', "DD1391-100", "White/Black-White", 110, "2021-03-10", "core"),
        ('Dunk Low "Grey Fog"', "DD1391-103", "White/Grey Fog", 110, "2021-08-25", "core"),
        ('Dunk Low "University Red"', "DD1391-602", "White/University Red", 110, "2021-10-14", "core"),
        ('Dunk Low "Championship Navy"', "DD1391-104", "White/Midnight Navy", 110, "2021-06-15", "core"),
        ('Dunk Low "Rose Whisper"', "DD1503-118", "White/Rose Whisper", 110, "2022-03-24", "brick"),
        ('Dunk Low "Medium Curry"', "DD1390-100", "Sail/Medium Curry-Fossil", 110, "2021-11-24", "core"),
        ('Dunk Low "Cacao Wow"', "DD1503-124", "Sail/Cacao Wow-Coconut Milk", 110, "2023-01-12", "brick"),
        (
            'Dunk Low SB "Jarritos"',
            "FD0860-001",
            "Phantom/Safety Orange-Malachite",
            120,
            "2023-05-19",
            "grail",
        ),
        ('Dunk Low "Reverse Panda"', "FD9064-001", "Black/White-Black", 115, "2024-05-02", "brick"),
        ('Dunk Low "Gold Suede"', "DD1391-701", "University Gold/White", 115, "2023-06-14", "dead"),
        ('Dunk High "Panda"', "DD1399-105", "White/Black-University Red", 125, "2021-06-17", "brick"),
        ('Air Force 1 Low "07 White"', "CW2288-111", "White/White", 120, "2019-04-01", "core"),
        ('Air Force 1 Low "07 Black"', "CW2288-001", "Black/Black", 120, "2019-04-01", "brick"),
        (
            'Air Force 1 Low "Tiffany & Co. 1837"',
            "DZ1382-001",
            "Black/Tiffany Blue-Silver",
            400,
            "2023-03-07",
            "grail",
        ),
        (
            'Air Force 1 Low "Off-White Lemonade"',
            "AO4606-700",
            "Lemonade/Lemonade-White",
            180,
            "2022-08-24",
            "hot",
        ),
        (
            'Air Max 1 "Patta Waves Monarch"',
            "DH1348-001",
            "Monarch/Noise Aqua-Black",
            170,
            "2022-01-21",
            "hot",
        ),
        (
            'Air Max 1 "86 Big Bubble Sport Red"',
            "DQ3989-100",
            "White/University Red-Neutral Grey",
            160,
            "2023-03-26",
            "core",
        ),
        (
            'Air Max 90 "Infrared"',
            "CT1685-100",
            "White/Black-Cool Grey-Radiant Red",
            140,
            "2020-11-28",
            "brick",
        ),
        ('Air Max 95 "Neon"', "CT1689-001", "Black/Volt-Medium Ash", 185, "2020-10-23", "core"),
        ('Air Max Plus "Triple Black"', "604133-050", "Black/Black-Black", 185, "2019-09-01", "dead"),
        (
            'Air Max 97 "Silver Bullet"',
            "DM0028-002",
            "Metallic Silver/Varsity Red-White",
            185,
            "2022-04-30",
            "brick",
        ),
        ('Vomero 5 "Supersonic"', "FB9149-700", "Metallic Silver/Multi-Color", 160, "2024-09-11", "hot"),
        (
            'Zoom Vomero 5 "Photon Dust"',
            "FB9149-001",
            "Photon Dust/Metallic Silver-Gridiron",
            160,
            "2024-02-01",
            "core",
        ),
        ('P-6000 "Metallic Silver"', "CN0149-001", "Metallic Silver/Sail-Black", 110, "2023-02-09", "brick"),
        ('Cortez "Forrest Gump"', "DM4044-108", "White/Varsity Red-Varsity Royal", 95, "2023-04-21", "dead"),
        ('Blazer Mid 77 "Vintage White Black"', "BQ6806-100", "White/Black", 100, "2019-06-01", "dead"),
        (
            'SB Dunk Low "Travis Scott"',
            "CT5053-001",
            "Black/Parachute Beige-Pale Vanilla",
            150,
            "2020-02-29",
            "grail",
        ),
        (
            'Kobe 6 Protro "Grinch"',
            "CW2190-300",
            "Green Apple/Volt-Crimson-Black",
            190,
            "2020-12-24",
            "grail",
        ),
        ('Kobe 8 Protro "Halo"', "FQ3548-100", "White/White-Metallic Silver", 190, "2024-04-13", "hot"),
        (
            'Air Max 1 "Travis Scott Cactus Jack Saturn Gold"',
            "DO9392-700",
            "Saturn Gold/Sail-Black",
            160,
            "2022-11-25",
            "grail",
        ),
        ('Pegasus 41 "Black White"', "FD2722-002", "Black/White-Anthracite", 140, "2024-06-06", "brick"),
        ('ACG Mountain Fly 2 Low "Sail"', "DV7903-100", "Sail/Light Bone-Black", 180, "2023-09-15", "brick"),
    ],
    "Adidas": [
        (
            'Samba OG "Cloud White Core Black"',
            "B75806",
            "Cloud White/Core Black/Clear Granite",
            110,
            "2020-01-01",
            "core",
        ),
        ('Samba OG "Core Black"', "B75807", "Core Black/Cloud White/Gum", 110, "2020-01-01", "core"),
        ('Samba OG "Wales Bonner Cream Green"', "GY5752", "Cream White/Green/Gum", 180, "2022-06-16", "hot"),
        ('Gazelle Indoor "Blue Fusion"', "JI2061", "Blue Fusion/Cloud White/Gum", 120, "2024-04-05", "core"),
        (
            'Gazelle "Bold Pink Glow"',
            "IE0420",
            "Pink Glow/Victory Gold/Cloud White",
            120,
            "2023-09-28",
            "brick",
        ),
        ('Handball Spezial "Navy Gum"', "BD7633", "Collegiate Navy/Clear Sky/Gum", 100, "2021-05-01", "core"),
        ('Campus 00s "Core Black"', "HQ8708", "Core Black/Cloud White/Off White", 110, "2023-02-01", "core"),
        ('Campus 00s "Grey White"', "HQ8707", "Grey Three/Cloud White/Off White", 110, "2023-02-01", "brick"),
        ('SL 72 OG "Maroon"', "IH7890", "Maroon/Core White/Gold Metallic", 100, "2024-08-01", "brick"),
        (
            'Superstar "White Black"',
            "EG4958",
            "Cloud White/Core Black/Cloud White",
            100,
            "2019-09-01",
            "dead",
        ),
        (
            'Stan Smith "Cloud White Green"',
            "FX5502",
            "Cloud White/Cloud White/Green",
            100,
            "2020-06-01",
            "dead",
        ),
        ('Forum Low "Bad Bunny Blue Tint"', "GY9693", "Blue Tint/Blue Tint/Gum", 160, "2022-03-04", "hot"),
        (
            'Ultraboost 1.0 "Core Black"',
            "HQ4201",
            "Core Black/Core Black/Beam Green",
            190,
            "2022-12-01",
            "dead",
        ),
        (
            'Adizero Evo SL "Cloud White"',
            "JH6206",
            "Cloud White/Core Black/Silver",
            150,
            "2024-10-01",
            "core",
        ),
        ('Taekwondo "Black White"', "JQ4772", "Core Black/Cloud White/Gum", 100, "2025-03-14", "hot"),
        ('Samba XLG "Cloud White"', "IE1377", "Cloud White/Core Black/Gum", 120, "2024-02-01", "brick"),
    ],
    "Yeezy": [
        ('Yeezy Boost 350 V2 "Onyx"', "HQ4540", "Onyx/Onyx/Onyx", 230, "2022-03-05", "core"),
        ('Yeezy Boost 350 V2 "Bone"', "HQ6316", "Bone/Bone/Bone", 230, "2022-03-18", "core"),
        ('Yeezy Boost 350 V2 "Zebra"', "CP9654", "White/Core Black/Red", 230, "2017-02-25", "hot"),
        (
            'Yeezy Boost 350 V2 "Beluga Reflective"',
            "GW1229",
            "Beluga/Beluga/Beluga",
            230,
            "2021-12-18",
            "core",
        ),
        (
            'Yeezy Boost 350 V2 "Carbon Beluga"',
            "HQ7045",
            "Carbon Beluga/Carbon Beluga",
            230,
            "2022-06-25",
            "brick",
        ),
        (
            'Yeezy Boost 350 V2 "Dazzling Blue"',
            "GY7164",
            "Core Black/Dazzling Blue",
            230,
            "2022-02-26",
            "brick",
        ),
        ('Yeezy Slide "Onyx"', "HQ6448", "Onyx/Onyx/Onyx", 70, "2022-03-07", "core"),
        ('Yeezy Slide "Bone"', "FZ5897", "Bone/Bone/Bone", 70, "2022-03-07", "core"),
        ('Yeezy Foam Runner "Onyx"', "HP8739", "Onyx/Onyx/Onyx", 90, "2022-06-13", "brick"),
        ('Yeezy Foam Runner "Mineral Blue"', "GV7903", "Mineral Blue/Mineral Blue", 90, "2021-12-10", "dead"),
        (
            'Yeezy Boost 700 "Wave Runner"',
            "B75571",
            "Solid Grey/Chalk White/Core Black",
            300,
            "2017-11-01",
            "hot",
        ),
        ('Yeezy Boost 700 V3 "Kyanite"', "GY0260", "Kyanite/Kyanite/Kyanite", 240, "2021-09-18", "dead"),
        ('Yeezy 500 "Utility Black"', "F36640", "Utility Black/Utility Black", 220, "2018-07-07", "brick"),
        ('Yeezy Boost 380 "Alien Blue"', "FZ4980", "Alien Blue/Alien Blue", 250, "2020-03-26", "dead"),
    ],
    "New Balance": [
        ('550 "White Green"', "BB550WT1", "White/Green", 120, "2021-01-15", "core"),
        ('550 "White Grey"', "BB550PB1", "White/Grey", 120, "2021-04-01", "core"),
        ('550 "Aime Leon Dore Natural Green"', "BB550AL1", "White/Natural Green", 140, "2020-10-09", "hot"),
        ('2002R "Protection Pack Rain Cloud"', "M2002RDA", "Rain Cloud/Grey", 150, "2021-10-15", "hot"),
        ('2002R "Protection Pack Phantom"', "M2002RDB", "Phantom/Black", 150, "2021-10-15", "core"),
        ('9060 "Sea Salt"', "U9060ECA", "Sea Salt/Moonbeam/Raincloud", 160, "2023-02-10", "hot"),
        ('9060 "Rain Cloud"', "U9060GRY", "Rain Cloud/Castlerock/Grey", 160, "2023-04-14", "core"),
        ('9060 "Black Castlerock"', "U9060BLK", "Black/Castlerock/Magnet", 160, "2023-08-11", "core"),
        ('990v6 "Grey"', "M990GL6", "Grey/Silver", 220, "2022-04-21", "core"),
        ('990v4 "Made in USA Grey"', "U990GR4", "Grey/Castlerock", 220, "2024-01-18", "brick"),
        ('993 "Made in USA Grey"', "MR993GL", "Grey/White", 210, "2019-09-01", "brick"),
        (
            '1906R "Silver Metallic Sea Salt"',
            "M1906RCE",
            "Silver Metallic/Sea Salt",
            160,
            "2023-05-04",
            "core",
        ),
        ('530 "White Silver Navy"', "MR530SG", "White/Silver/Navy", 110, "2021-06-01", "core"),
        ('327 "Moonbeam Marblehead"', "MS327FE", "Moonbeam/Marblehead", 100, "2021-02-01", "dead"),
        ('574 "Legacy Grey"', "U574LGG1", "Grey/White", 100, "2022-01-01", "dead"),
        ('1000 "Silver Metallic"', "M1000SL", "Silver Metallic/White", 160, "2024-03-15", "hot"),
        ('204L "Mushroom Arid Stone"', "U204LMMA", "Mushroom/Arid Stone", 130, "2024-06-27", "brick"),
        ('991v2 "Made in UK Grey"', "U991GL2", "Grey/Silver", 240, "2023-03-03", "brick"),
    ],
    "ASICS": [
        ('Gel-Kayano 14 "Cream Black"', "1201A019-108", "Cream/Black", 150, "2022-05-27", "hot"),
        ('Gel-Kayano 14 "White Pure Silver"', "1201A019-107", "White/Pure Silver", 150, "2022-04-01", "core"),
        ('Gel-Kayano 14 "Birch Dark Pewter"', "1201A161-201", "Birch/Dark Pewter", 150, "2023-01-20", "core"),
        ('Gel-1130 "White Clay Canyon"', "1201A256-113", "White/Clay Canyon", 110, "2023-02-17", "core"),
        ('Gel-1130 "Black Pure Silver"', "1201A906-001", "Black/Pure Silver", 110, "2023-06-09", "brick"),
        ('Gel-NYC "Graphite Grey Black"', "1201A789-020", "Graphite Grey/Black", 140, "2023-01-13", "core"),
        ('Gel-NYC "Cream Oatmeal"', "1203A383-101", "Cream/Oatmeal", 140, "2023-09-01", "brick"),
        ('GT-2160 "White Pure Silver"', "1203A320-101", "White/Pure Silver", 130, "2023-04-21", "core"),
        ('Gel-Lyte III OG "Ronnie Fieg Cove"', "1201A224-100", "Cream/Cove", 160, "2021-12-11", "hot"),
        ('Gel-Kayano 30 "Black Sheet Rock"', "1011B548-003", "Black/Sheet Rock", 170, "2023-08-01", "dead"),
        ('Gel-Nimbus 9 "Cream Pure Silver"', "1201A424-105", "Cream/Pure Silver", 150, "2024-02-09", "brick"),
        ('Novablast 4 "Black White"', "1011B693-001", "Black/White", 140, "2024-01-05", "dead"),
        (
            'Gel-Quantum 360 VIII "Black Glacier Grey"',
            "1203A305-001",
            "Black/Glacier Grey",
            180,
            "2023-07-14",
            "dead",
        ),
    ],
    "Puma": [
        ('Speedcat OG "Red White"', "398846-02", "For All Time Red/Puma White", 100, "2024-09-01", "hot"),
        ('Speedcat OG "Black White"', "398846-01", "Puma Black/Puma White", 100, "2024-09-01", "core"),
        ('Palermo "Vapor Grey Gum"', "396463-01", "Vapor Grey/Clementine-Gum", 90, "2023-06-01", "core"),
        ('Suede Classic XXI "Black White"', "374915-01", "Puma Black/Puma White", 80, "2021-01-01", "dead"),
        ('Suede XL "Team Royal"', "395205-02", "Puma Team Royal/Puma White", 90, "2024-01-15", "brick"),
        ('Mostro "Black"', "397331-01", "Puma Black/Puma Silver", 110, "2024-11-01", "brick"),
        ('LaMelo Ball MB.03 "Toxic"', "379233-01", "Puma Black/Fluro Green", 125, "2023-04-21", "dead"),
        ('Clyde "Rhuigi Vapor Grey"', "395290-01", "Vapor Grey/Puma White", 160, "2023-03-03", "dead"),
        ('Avanti L "Fenty Lavender"', "396337-02", "Lavender Alert/Puma Gold", 120, "2024-05-09", "brick"),
        (
            'Velophasis "Always On Silver"',
            "395908-01",
            "Puma Silver/Cool Light Grey",
            110,
            "2024-03-01",
            "dead",
        ),
    ],
    "Salomon": [
        ('XT-6 "Black Phantom"', "L41086600", "Black/Black/Phantom", 190, "2021-01-01", "core"),
        (
            'XT-6 "Vanilla Ice Almond Milk"',
            "L47293000",
            "Vanilla Ice/Almond Milk/Rainy Day",
            190,
            "2023-03-01",
            "hot",
        ),
        ('XT-6 "White Lunar Rock"', "L41252900", "White/White/Lunar Rock", 190, "2022-02-01", "core"),
        ('ACS Pro "Black Silver"', "L47179800", "Black/Black/Silver Metallic", 190, "2023-01-20", "core"),
        ('ACS Pro "Vanilla Ice"', "L47298100", "Vanilla Ice/Vanilla Ice/Silver", 190, "2023-09-15", "brick"),
        ('XT-4 OG "Ebony Lunar Rock"', "L47133000", "Ebony/Lunar Rock/Silver", 190, "2023-05-12", "brick"),
        (
            'Speedcross 3 "Black Quiet Shade"',
            "L47298200",
            "Black/Black/Quiet Shade",
            160,
            "2022-09-01",
            "dead",
        ),
        ('XA Pro 3D "Black Magnet"', "L41617400", "Black/Magnet/Black", 160, "2021-08-01", "dead"),
        (
            'XT-Whisper "Glacier Grey"',
            "L47487100",
            "Glacier Grey/Ghost Gray/Silver",
            180,
            "2024-04-26",
            "core",
        ),
        (
            'Odyssey ELMT Low "Almond Milk"',
            "L47428000",
            "Almond Milk/Vanilla Ice/Silver",
            170,
            "2024-02-16",
            "brick",
        ),
    ],
    "On": [
        ('Cloudmonster "All Black"', "61.99025", "All Black", 170, "2022-03-01", "brick"),
        ('Cloud 5 "Undyed White"', "59.98373", "Undyed-White/White", 150, "2021-05-01", "core"),
        ('Cloud 6 "Black"', "3MD10310485", "Black/Black", 150, "2024-02-01", "core"),
        ('Cloudtilt "Loewe Sand"', "3ME30064256", "Sand/Stone", 395, "2023-06-01", "hot"),
        ('Cloudnova "Ivory Pearl"', "26.98227", "Ivory/Pearl", 160, "2022-06-01", "brick"),
        ('Cloudsurfer "White Frost"', "3MD10420099", "White/Frost", 160, "2023-05-01", "dead"),
        ('Cloudswift 3 "All Black"', "3MD10560485", "All Black", 160, "2023-03-01", "dead"),
        ('Cloudmonster 2 "Frost Mineral"', "3ME10120306", "Frost/Mineral", 180, "2024-07-01", "brick"),
        ('The Roger Advantage "White Midnight"', "48.99445", "White/Midnight", 160, "2021-08-01", "brick"),
        ('Cloudaway "Sand Sea"', "3MD30300465", "Sand/Sea", 170, "2023-09-01", "dead"),
    ],
    "Converse": [
        ('Chuck 70 Hi "Black"', "162050C", "Black/White/Egret", 90, "2019-01-01", "core"),
        ('Chuck 70 Hi "Parchment"', "162053C", "Parchment/Garnet/Egret", 90, "2019-01-01", "core"),
        (
            'Chuck 70 Hi "Comme des Garcons Play Black"',
            "150204C",
            "Black/White/Red",
            150,
            "2019-05-01",
            "hot",
        ),
        ('Chuck 70 Ox "Egret"', "162062C", "Egret/Garnet/Egret", 85, "2020-01-01", "brick"),
        ('Run Star Hike Hi "Black White"', "166800C", "Black/White/Gum", 110, "2020-02-01", "core"),
        ('Chuck Taylor All Star Lift "White"', "560251C", "White/White/Black", 75, "2020-06-01", "dead"),
        ('One Star Pro "Black Suede"', "171327C", "Black/White/Black", 85, "2021-03-01", "dead"),
        ('Weapon Hi "Black White"', "A04167C", "Black/White", 110, "2022-11-01", "dead"),
        ('Chuck 70 "Stussy Sail"', "A07663C", "Sail/Black", 110, "2023-10-01", "hot"),
        ('Run Star Motion "Black"', "171545C", "Black/White/Gum", 120, "2021-04-01", "brick"),
    ],
}

# Famous models get more of the shop's buying; the rest are spread evenly.
_POPULARITY = {"grail": 3.0, "hot": 2.4, "core": 2.0, "brick": 1.0, "dead": 0.7}


def demo_catalog() -> list[CatalogProduct]:
    """Every product of the demo catalogue, in a fixed order (brands as in BRANDS)."""
    products = [
        CatalogProduct(
            brand=brand,
            name=name,
            sku=sku,
            colorway=colorway,
            retail_price=Decimal(retail).quantize(Decimal("0.01")),
            release_date=date.fromisoformat(released),
            tier=tier,
        )
        for brand in BRANDS
        for name, sku, colorway, retail, released, tier in _CATALOG.get(brand, [])
    ]
    assert len({p.sku for p in products}) == len(products), "duplicate SKU in the demo catalogue"
    assert len({p.name for p in products}) == len(products), "duplicate name in the demo catalogue"
    return products


def popularity(tier: Tier) -> float:
    return _POPULARITY[tier]


def slug(name: str) -> str:
    return name.lower().replace(" ", "-")
