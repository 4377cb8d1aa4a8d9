"""One user message -> a Query: what is asked (action, metrics) and about what (filters, window).

Classification is by signals, strongest first, not by the first keyword in a list: "what items
sold best?" mentions items but asks for best sellers. Each action has patterns; specific actions
(fee estimate, discount candidates, best sellers, comparisons, time series) are checked before
broad ones (KPIs, inventory), and a message with no action words is marked as a possible
follow-up so the previous turn's action can carry over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from domains.ai.providers.builtin import entities
from domains.ai.providers.builtin.lexicon import METRICS, SALES_WORDS
from domains.ai.providers.builtin.text import prepare
from domains.ai.providers.builtin.timeframes import WindowSpec, date_spans, find_windows

# Fine-grained actions and the coarse intent (the API's `intent`) each belongs to.
ACTION_INTENT: dict[str, str] = {
    "greeting": "general",
    "help": "general",
    "remember": "general",
    "unknown": "general",
    "inventory_summary": "inventory",
    "list_inventory": "inventory",
    "dead_stock": "inventory",
    "aging": "inventory",
    "low_stock": "inventory",
    "kpis": "analytics",
    "best_sellers": "analytics",
    "sales_by_platform": "analytics",
    "compare_periods": "analytics",
    "compare_platforms": "analytics",
    "compare_brands": "analytics",
    "time_series": "analytics",
    "list_orders": "analytics",
    "product_lookup": "product",
    "market_prices": "pricing",
    "price_recommendation": "pricing",
    "discount_candidates": "pricing",
    "fee_estimate": "pricing",
}


def _any(patterns: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b")


_METRIC_RES = {name: _any(patterns) for name, patterns in METRICS.items()}
_SALES = _any(SALES_WORDS)

_GREETING = re.compile(
    r"^(?:hi|hey|hello|hallo|hallihallo|moin|servus|gruess gott|gruezi|yo|sup|good (?:morning|afternoon|evening)|"
    r"guten (?:morgen|tag|abend)|hi there|hey there|thanks?|thank you|danke|dankeschoen|cheers|ok|okay)"
    r"(?: there| team| soleflip| bot| assistant)?[!. ?]*$"
)
_HELP = re.compile(
    r"\b(?:help|hilfe|what can you do|what do you do|what can i ask|was kannst du|wobei kannst du|"
    r"was kann ich (?:dich )?fragen|how do(?:es)? (?:this|you) work|wie funktionierst du|commands|befehle)\b"
)
_REMEMBER = re.compile(
    r"\b(?:remember|note that|keep in mind|from now on|going forward|by default|default|always use|"
    r"merk(?:e)? dir|merke|notier\w*|ab (?:jetzt|sofort|heute)|kuenftig|in zukunft|zukuenftig|standardmaessig|"
    r"i (?:prefer|usually|mostly) (?:sell|use|list)|ich (?:verkaufe|nutze|bevorzuge) (?:meistens|hauptsaechlich|am liebsten|lieber)|"
    r"my (?:target|preferred|seller level)|mein(?:e)? (?:ziel|zielmarge|bevorzugte)|i(?:'m| am) (?:a )?(?:stockx )?(?:level|seller level))\b"
)
_FEES = re.compile(
    r"\b(?:fees?|gebuehr\w*|payout|auszahlung|net(?:ted)?|netto|what (?:would|will|do|did|does) i (?:get|receive|keep|net|make)|"
    r"how much (?:would|will|do) i (?:get|receive|keep|net)|"
    r"was (?:bekomme|kriege|bleibt|erhalte) (?:ich|mir|uebrig)|was bleibt (?:mir )?(?:uebrig|hängen|haengen)|"
    r"wie ?viel (?:bekomme|kriege|erhalte|bleibt)|(?:was|wat|what) bleibt|take ?home|after fees|nach gebuehren|commission|provision|cut|was (?:bringt|bringen) (?:mir|uns)|(?:bringt|bringen) (?:mir|uns)|wie ?viel (?:kommt|bleibt) (?:\w+ )?(?:an|raus|uebrig)|how much (?:do|would|will|can) (?:i|we) (?:get|receive|keep|net|make) (?:from|on|at|via|if|when|for)|end up with|"
    r"what (?:would|will|do|did|does|can|could|should) (?:i|we|you|us) (?:get|receive|keep|net|end up)|"
    r"cost (?:\w+ ){0,2}to sell|costs? of selling|selling costs?|verkaufskosten|"
    r"(?:kostet|kosten) (?:\w+ ){0,3}(?:der verkauf|zu verkaufen)|was kriege ich raus|was (?:kommt|bleibt) (?:\w+ ){0,2}raus)\b"
)
_DISCOUNT = re.compile(
    r"\b(?:discount\w*|mark ?down|markdowns?|reduce|reduzier\w*|lower (?:the )?prices?|price drops?|drop (?:the )?prices?|"
    r"cut (?:the )?prices?|reprice|re-?price\w*|rabatt\w*|runtersetzen|runter ?setzen|herabsetzen|preis(?:e)? senken|"
    r"billiger machen|guenstiger (?:machen|anbieten)|sale price for|clearance|abverkaufen|loswerden|get rid of|"
    r"move (?:them|those|it|old)|on sale|in den sale|preisnachlass|nachlass|reduziert|price ?cuts?|price reductions?|preissenkung\w*|im preis (?:senken|reduzieren|runter\w*)|lower (?:my |the )?(?:asks?|listings?)|go lower|guenstiger (?:listen|einstellen|anbieten)|mit dem preis runter)\b"
)
_RECOMMEND = re.compile(
    r"\b(?:recommend\w*|suggest\w*|empfehl\w*|empfiehl\w*|what (?:price|should i (?:list|ask|charge|sell))|"
    r"how much should i (?:list|ask|charge|sell|price)|what should i (?:list|price|ask|charge|sell)|"
    r"(?:list|price|sell) (?:it|them|this|that) (?:for|at)|optimal price|best price|right price|ideal price|"
    r"pricing (?:advice|suggestion)|preisempfehlung|preisvorschlag|welchen preis|wie ?viel soll(?:te)? ich (?:verlangen|nehmen|ansetzen)|"
    r"zu welchem preis|fuer wie ?viel soll(?:te)? ich|where should i price|what to list|"
    r"(?:fair|good|decent|realistic|reasonable|smart) (?:price|ask|listing price|value)|what price (?:should|would|do|to)|"
    r"(?:guter|fairer|realistischer|angemessener) preis|was (?:soll|sollte|kann) ich (?:\w+ ){0,6}verlangen|"
    r"price (?:it|them|my|the) (?:\w+ ){0,6}at)\b"
)
_MARKET = re.compile(
    r"\b(?:prices? (?:for|of|on)|market ?(?:price|value|data)s?|lowest ask|highest bid|last sale|asks?|bids?|going for|resell(?:ing)? (?:for|price|value)|"
    r"resale (?:price|value)|marktpreis\w*|marktwert|niedrigste\w* (?:ask|angebot)|hoechste\w* gebot|letzte\w* verkaufspreis|"
    r"what(?:'s| is| are) (?:the |a |my )?\w*(?: \w+){0,5} worth|how much (?:is|are) (?:the |a |my )?\w+(?: \w+){0,5} worth|wie ?viel (?:ist|sind) .{0,40} wert|"
    r"was (?:ist|sind) .{0,40} wert|trading (?:at|for)|price check|pc on|current price|going rate|market rate|(?:stockx|goat|alias|ebay|klekt) (?:prices?|asks?|value|market)|prices? on (?:stockx|goat|alias|ebay|klekt)|was (?:kostet|kosten)|wie teuer|what (?:do|does|are|is) (?:\w+ ){1,6}(?:go|going|sell|selling|resell|resold) for|how much (?:is|are|do|does) (?:\w+ ){1,6}(?:go|going|sell|selling|cost|resell) for|(?:zu|fuer) (?:welchem|was fuer einem) preis (?:gehen|laufen|verkaufen sich))\b"
)
_BEST = re.compile(
    r"\b(?:best ?sell\w*|bestseller\w*|top[- ]?sell\w*|best-sell\w*|fast[- ]?(?:sell\w*|mov\w*)|quick[- ]?sell\w*|schnelldreher\w*|"
    r"(?:selling|moving|going|flying|sell|sells|move|moves|verkaufen sich|gehen|laufen) (?:really |so |super |very |pretty |gerade |echt )?(?:fast|quick(?:ly)?|schnell)\b(?! (?:do|does|did|to|bis|weg))|"
    r"(?:people|customers|buyers|clients|kunden|leute|kaeufer)\b.{0,30}?\b(?:buy|bought|purchase\w*|want|order|kaufen|kauften|gekauft|wollen|bestellen)\b.{0,25}?\b(?:most|meisten|liebsten|often|oftesten|haeufigsten|best)\b|best[- ]selling|sold (?:the )?best|sells? (?:the )?best|selling (?:the )?best|"
    r"sold (?:the )?most|sells? (?:the )?most|selling (?:the )?most|most sold|most popular|most (?:units|pairs)|"
    r"(?:laufen|laeuft|lief|liefen|gehen|geht|ging|gingen|verkaufen sich|verkauft sich|verkauften sich)(?: \w+){0,2} am (?:besten|meisten|schnellsten)|"
    r"best (?:performing|performers?)|perform\w* (?:am |the )?best\w*|(?:performt|performen|performed) (?:\w+ )?(?:gut|well|best)|top (?:\d+ )?(?:brands?|products?|models?|sneakers?|shoes?|pairs?|kicks|sellers?|marken|produkte|modelle|schuhe|sneaker)|"
    r"top \d+|am (?:meisten|besten) verkauft\w*|meist ?verkauft\w*|verkauft (?:sich )?am (?:besten|meisten)|"
    r"am (?:besten|meisten) (?:verkauf\w*|gelaufen|laufen\w*|geht|gehen|ging|gingen)|laeuft am besten|laufen am besten|lief am besten|liefen am besten|"
    r"beliebteste\w*|top[- ]?marken|top[- ]?produkte|renner|movers|which (?:brand|product|model|shoe|sneaker|pair|item)s? (?:sold|sell|sells|did|do|performed|perform) (?:the )?(?:best|most|well)|"
    r"welche (?:marke|marken|brands?|produkte?|products?|modelle?|models?|schuhe|sneakers?|kicks|skus?|pairs|paare) (?:verkauf\w*|lauf\w*|geh\w*)|"
    r"(?:brand|product|model)s? (?:sold|sell|sells) (?:the )?(?:best|most)|highest (?:selling|sales)|biggest sellers?|"
    r"what (?:sold|sells|sell|is selling|are selling|was selling|were selling) (?:the )?(?:best|most|well)|"
    r"was (?:verkauft sich|hat sich|lief|laeuft|ging|geht) (?:am besten|gut|am meisten|gut verkauft)|what(?:'s| is| are)? hot|whats hot|hottest|hot (?:right now|at the moment|lately|sellers?|items?|models?)|was ist (?:gerade |aktuell )?(?:gefragt|angesagt|beliebt|heiss)|meistgefragt\w*|top ?performer\w*|(?:sell|sells|sold|selling|move|moves|moved|moving) (?:the )?(?:fastest|quickest)|am (?:schnellsten|haeufigsten) verkauft\w*|verkauf\w* sich am (?:schnellsten|haeufigsten)|(?:die|the) (?:\d+ )?meist ?verkauft\w*|"
    r"beste[nrs]? (?:marke|marken|produkte?|modelle?|schuhe?|sneaker|paare?)|"
    r"best (?:brand|product|model|shoe|sneaker|kick|pair)s?|(?:number|no\.?|nr\.?) ?1 (?:brand|product|model|shoe|sneaker|seller|marke|schuh)|"
    r"(?:brand|marke|product|model|produkt|modell)s? (?:did|do|does|performed|lief|liefen|laeuft) (?:the )?(?:best|am besten))\b"
)
_PER_BRAND = re.compile(r"\b(?:by|per|each|every|pro|je|nach|split by|aufgeteilt nach) (?:brands?|marken?)\b")
_WHERE_PLATFORM = re.compile(
    r"\b(?:where|wo|which platform|what platform|welche[rm]? plattform|which marketplace|welche[rm]? marktplatz|which channel|"
    r"(?:which|what) (?:web ?site|site|app|shop|store|marketplace|channel)s?|welche[rmns]? (?:web)?seite|welche[rmns]? app|welche[rmns]? kanal)\b"
)
_BY_BRAND = re.compile(r"\b(?:brands?|marken?|labels?|by brand|nach marke|je marke|pro marke)\b")
_BY_PLATFORM = re.compile(
    r"\b(?:by platform|per platform|each platform|every platform|all platforms|platform breakdown|platforms|"
    r"which platform|what platform|where do i sell|where did i sell|where (?:do|did) (?:i|we) (?:make|sell)|"
    r"nach plattform(?:en)?|pro plattform|je plattform|plattformen|welche plattform|welcher plattform|auf welcher|wo verkaufe ich|"
    r"wo habe ich|channel\w*|kanal|kanaelen|marketplaces?|marktplaetze?n?|marktplatz|per channel|by channel|split by (?:platform|channel)|"
    r"(?:highest|best|lowest|top|most|biggest|worst|hoechste\w*|beste\w*|meiste\w*|niedrigste\w*)\b(?: \w+){0,3} (?:platform|plattform)|"
    r"(?:platform|plattform) (?:with|mit) (?:the )?(?:highest|best|most|lowest|hoechste\w*|beste\w*|meiste\w*))\b"
)
_COMPARE = re.compile(
    r"\b(?:vs\.?|versus|compared? (?:to|with)|compare\w*|comparison|against|im vergleich|vergleich\w*|gegenueber|"
    r"better than|worse than|besser als|schlechter als|than (?:last|the previous|previous)|als (?:letzten|im letzten|vormonat|im vormonat)|(?:more|fewer|less|better|worse|higher|lower|bigger|smaller)\b.{0,50}\bthan\b(?!\s*[€$]?\s*\d)|(?:mehr|weniger|besser|schlechter|hoeher|niedriger|groesser|kleiner)\b.{0,50}\bals (?:im |in |der |dem )?(?:letzte\w*|vorige\w*|vergangene\w*|vor\w*|im|diese\w*)|difference between|unterschied zwischen|gegen(?:ueber)? (?:dem |der )?(?:vor\w*|letzte\w*))\b"
)
_SERIES = re.compile(
    r"\b(?:by (?:month|week|day)|per (?:month|week|day)|each (?:month|week|day)|every (?:month|week|day)|monthly|weekly|daily|"
    r"month by month|week by week|day by day|trend\w*|over time|time series|verlauf|entwicklung|pro (?:monat|woche|tag)|"
    r"je (?:monat|woche|tag)|nach (?:monat|monaten|woche|wochen|tag|tagen)|monatlich\w*|woechentlich\w*|taeglich\w*|"
    r"breakdown by (?:month|week|day)|month over month|mom|chart|graph|kurve|monat fuer monat|aufgeschluesselt nach (?:monat|woche|tag))\b"
)
_LOW_STOCK = re.compile(
    r"\b(?:low (?:on )?stock|low inventory|running low|run(?:ning)? out|almost (?:out|gone|sold out)|nearly (?:out|sold out)|"
    r"only (?:one|1) (?:left|pair)|last pairs?|restock\w*|re-stock\w*|reorder\w*|nachkaufen|nachbestellen|nachordern|"
    r"niedrige[rn]? bestand|wenig bestand|knapp\w*|fast (?:ausverkauft|weg|leer)|geht (?:mir )?aus|nur noch (?:ein|1) paar|"
    r"need to (?:buy|rebuy|restock|re-up)|should i (?:buy|rebuy|restock|cop) (?:more|again)|was sollte ich nachkaufen|buy more of|"
    r"nachschub|auffuellen|re-?up|kaum (?:noch )?(?:was|etwas|welche|bestand|da|uebrig|vorraetig|auf lager)|fast (?:nichts|keine) mehr|(?:nearly|almost) out of stock|out of stock soon|(?:gehen|geht) (?:uns |mir )?(?:bald |gleich )?aus|bald (?:ausverkauft|weg|leer)|wenig(?:e)? (?:uebrig|da|vorraetig|auf lager)|(?:only|just) (?:a few|1|one|2|two) (?:left|pairs? left)|sold out soon|need(?:s)? (?:to be )?restock\w*|nachzukaufen|nachgekauft werden)\b"
)
_DEAD = re.compile(
    r"\b(?:dead ?stock\w*|deadstock\w*|dead inventory|ladenhueter\w*|ladenhuter\w*|laden hueter|old stock|aged stock|aging stock|stale|"
    r"slow[- ]?(?:movers?|moving|sellers?)|not (?:selling|moving)|(?:isn't|isnt|aren't|arent|don't|dont|won't|wont|haven't|havent|hasn't|hasnt) (?:selling|sell|sold|moving|move)|"
    r"unsold for|verkauft sich nicht|verkaufen sich nicht|(?:zu )?lange (?:im lager|auf lager|rum)|alte (?:ware|paare|bestaende|bestand)|alter bestand|"
    r"altbestand\w*|staubfaenger|penner|bricks?|dead pairs|dead|toten bestand|tote ware|toter bestand|nicht verkauft (?:seit|in)|"
    r"(?:hasn'?t|haven'?t|didn'?t|did not|has not|have not|not) (?:been )?(?:sold|moved|sell|move)\b.{0,12}\b(?:in|for|since|seit)|"
    r"(?:seit|since) .{0,25}(?:nicht|not) (?:verkauft|sold)|unverkauft\w*|never sold|nie verkauft|oldest (?:pairs|stock|inventory|items))\b"
)
# words that mean "stuck in stock" only when the question is not about sales or the value of all stock
_DEAD_WEAK = re.compile(
    r"\b(?:sitting (?:around|on the shelf|too long)?|been sitting|stuck|liegt? (?:nur )?(?:rum|herum)|liegen (?:nur )?(?:rum|herum)|"
    r"rum ?lieg\w*|herum ?lieg\w*|rum ?steh\w*|haengen geblieben|gathering dust|collecting dust|verstaubt|staub|"
    r"lieg\w* (?:\w+ ){0,3}(?:rum|herum)|steh\w* (?:\w+ ){0,3}(?:rum|herum)|(?:seit )?ewig\w*|forever|for ages|"
    r"(?:sitting|been here|in stock) (?:for )?(?:ages|forever|too long|a while))\b"
)
_VALUE_OF_STOCK = re.compile(
    r"\b(?:money|cash|capital|geld|kapital|euros?|value|wert)\b.{0,30}\b(?:sitting|stuck|tied up|gebunden|steckt|stecken|liegt|in (?:inventory|stock|the warehouse|lager|bestand))"
)
_BETWEEN_AGES = re.compile(
    r"\b(?:between|from|zwischen|von)\s*\d{1,4}\s*(?:and|to|-|und|bis)\s*\d{1,4}\s*(?:days?|tage?n?)\b"
)
_OVER_BARE_NUMBER = re.compile(
    r"\b(?:over|older than|more than|above|ueber|aelter als|mehr als|ab|>)\s*(\d{1,4})\b(?![.,]\d)(?!\s*(?:€|eur|euro|\$|%|bucks|pairs|paare))"
)
_BARE_DAYS = re.compile(r"\b(\d{1,4})\s*(days?|tage?n?|d|weeks?|wochen?|months?|monate?n?)\b")
_COUNT_QUESTION = re.compile(r"\b(?:how many|wie ?viele|number of|anzahl|count of)\b")
_HOLDING = re.compile(
    r"\b(?:in stock|on hand|auf lager|im lager|im bestand|left|uebrig|do (?:i|we) (?:have|own|hold|got)|have (?:i|we) got|"
    r"(?:habe|hab|haben|habt|hast) (?:ich|wir|du|ihr)|(?:ich|wir) (?:habe|hab|haben)|gibt es|listed|gelistet|inseriert|"
    r"warehouse|lager|bestand|inventory|inventar)\b"
)
_AGING = re.compile(
    r"\b(?:aging|ageing|age (?:buckets?|breakdown|distribution|profile|structure|brackets?|groups?)|buckets?|how old|by age|"
    r"altersstruktur|altersverteilung|alters?klassen|wie alt|nach alter|lageralter|age of (?:my )?(?:stock|inventory|pairs))\b"
)
_LIST_ORDERS = re.compile(
    r"\b(?:what (?:did|have) (?:i|we) (?:sell|sold)|what (?:i|we) sold|what sold|(?:did )?anything (?:sell|sold)|which (?:pairs|items|shoes|sneakers|kicks|orders|products)(?: \w+)? (?:did (?:i|we) sell|sold|were sold|have (?:i|we) sold)|"
    r"(?:recent|latest|last|newest) (?:\d+ )?(?:sales|orders|sold)|list (?:my |the |all )?(?:sales|orders)|show (?:me )?(?:my |the |all )?(?:\w+ )?(?:sales|orders)|"
    r"(?:sales|orders) list|was (?:habe|hab|haben) (?:ich|wir) (?:\w+ )*?verkauft|was wurde (?:\w+ )*?verkauft|welche (?:paare|schuhe|sneaker|artikel|bestellungen)(?: \w+)? (?:habe ich|hab ich|wurden)? ?(?:\w+ )?verkauft|"
    r"letzte[nr]? (?:verkaeufe|bestellungen|orders)|zeig\w* (?:mir )?(?:die |meine )?(?:\w+ )?(?:verkaeufe|bestellungen|orders)|liste (?:der )?(?:verkaeufe|bestellungen))\b"
)
_LIST = re.compile(
    r"\b(?:list|show|which|what(?: are| were)? (?:the )?(?:pairs|items|shoes|sneakers|kicks)|display|give me (?:the|a list|all)|"
    r"zeig\w*|liste\w*|welche|auflisten|anzeigen)\b"
)
_INVENTORY = re.compile(
    r"\b(?:inventory|inventar|stock|in stock|on hand|bestand\w*|lager\w*|warehouse|pairs|paare?|items|artikel|units|kicks|"
    r"ware|warenbestand|vorrat\w*|vorraetig|stockpile|was (?:haben wir|hab ich|habe ich) da|"
    r"sneakers?|shoes|schuhe|how many .{0,30}(?:do|have|got)|wie ?viele .{0,40}(?:habe|hab|haben|hast|gibt)|what do (?:i|we) (?:have|own|got)|"
    r"was habe ich (?:auf lager|im lager|da)|stock value|inventory value|lagerwert|warenwert|wert (?:des|meines) (?:lagers|bestands)|"
    r"tied up|capital|kapital|gebunden|listed|gelistet|inseriert|unlisted|nicht gelistet)\b"
)
_PRODUCT = re.compile(
    r"\b(?:find|search|look ?up|lookup|such\w*|finde\w*|info(?:s)? (?:on|about|zu)|tell me about|details? (?:on|about|for|zu)|"
    r"what is|was ist|do (?:i|we) (?:still )?have (?:any )?|have (?:i|we) got|habe ich (?:noch )?|hab ich (?:noch )?|got any|sku|"
    r"left|still (?:have|got)|haben wir (?:noch )?|habt ihr (?:noch )?|gibt es noch|noch da|noch (?:auf lager|vorraetig)|"
    r"any .{1,40} (?:in stock|left|on hand)|stock of|how many .{1,40} (?:left|in stock|on hand|do (?:i|we) have))\b"
)
_FOLLOWUP = re.compile(
    r"^(?:and|und|also|auch|what about|how about|wie sieht'?s|wie sieht es|was ist mit|und was ist mit|und wie|same for|"
    r"das gleiche|dasselbe|same|now|jetzt|only|nur|just|but|aber|ok and|okay and|then|dann|for|fuer|on|auf|in|im|bei|vs|"
    r"compared|verglichen|davon|of those|of them|von denen|those|these|them|die|diese)\b"
)
_REFERS_BACK = re.compile(
    r"\b(?:that|das|those|these|them|of those|of them|of these|that list|the same|davon|von denen|von diesen|diese[rn]?|dieselben|die gleichen|same|it|sie|ihnen)\b"
)


@dataclass(frozen=True, slots=True)
class Query:
    """What one message asks, after entities and windows are read."""

    action: str = "unknown"
    metrics: tuple[str, ...] = ()
    windows: tuple[WindowSpec, ...] = ()
    brand: str | None = None
    brands: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    size: str | None = None
    sku: str | None = None
    product_query: str | None = None
    threshold_days: int | None = None
    min_age_days: int | None = None
    max_age_days: int | None = None
    min_price: float | None = None
    max_price: float | None = None
    amount: float | None = None
    top_n: int | None = None
    by: str | None = None
    grain: str | None = None
    status: str | None = None
    condition: str | None = None
    sort: str | None = None
    wants_list: bool = False
    refers_back: bool = False
    looks_like_followup: bool = False
    explicit_action: bool = False
    target_margin_pct: float | None = None
    mentions_turnover_word: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def intent(self) -> str:
        return ACTION_INTENT.get(self.action, "general")

    @property
    def window(self) -> WindowSpec | None:
        return self.windows[0] if self.windows else None

    @property
    def platform(self) -> str | None:
        return self.platforms[0] if self.platforms else None


def find_metrics(text: str) -> tuple[str, ...]:
    found: list[tuple[int, str]] = []
    for name, pattern in _METRIC_RES.items():
        match = pattern.search(text)
        if match:
            found.append((match.start(), name))
    names = [name for _, name in sorted(found)]
    if "dead_stock_rate" in names:
        names = [n for n in names if n not in ("margin",)]
    if "roi" in names or "margin" in names or "aov" in names or "cogs" in names or "days_to_sell" in names:
        # "profit margin", "return on investment", "how long do pairs take to sell" name one metric
        if "profit" in names and re.search(r"\bprofit ?(?:margin|%|percent)|gewinnmarge|gewinnspanne", text):
            names.remove("profit")
        if "orders" in names and re.search(r"average order|avg order|bestellwert|auftragswert", text):
            names.remove("orders")
    if (
        "aov" in names
        and "revenue" in names
        and re.search(
            r"\b(?:revenue|sales|umsatz|erloes) (?:per|pro|je) (?:unit|pair|order|sale|item|paar|verkauf|bestellung|einheit|stueck)",
            text,
        )
    ):  # "average revenue per unit sold" is the average order value
        names.remove("revenue")
    if "aov" in names and "revenue" in names and not _EXPLICIT_REVENUE.search(text):
        names.remove("revenue")  # "on average how much does one sale bring in": described, not two figures
    if "roi" in names:
        # "how much profit do we get back for every euro we spend, in percent" is the ROI alone
        if "profit" in names and not _LISTED_PROFIT.search(text):
            names.remove("profit")
        if "margin" in names and not re.search(r"\b(?:margin|marge|spanne)", text):
            names.remove("margin")
    if (
        "turnover" in names
        and "cogs" in names
        and re.search(r"\b(?:to|over|divided by|zu|durch) (?:the )?(?:average|avg|durchschnittl)", text)
    ):
        names.remove("cogs")  # "cost of goods sold to average inventory" is the turnover
    if (
        "profit" in names
        and "revenue" not in names
        and re.search(r"\bmade\b", text)
        and re.search(r"\b(?:sales|revenue)\b", text)
    ):
        names.remove("profit")
    return tuple(dict.fromkeys(names))


_BARE_TURNOVER = re.compile(r"\bturnover\b")
_EXPLICIT_REVENUE = re.compile(
    r"\b(?:revenue|revenues|umsatz\w*|umsaetze|erloes\w*|einnahmen|sales|turnover)\b"
)
# "profit and roi", "roi, profit": profit named as a figure of its own
_LISTED_PROFIT = re.compile(
    r"\b(?:profit|gewinn)\w*\s*(?:,|and|und|&|plus|sowie)|(?:,|and|und|&|plus|sowie)\s*(?:\w+ )?(?:profit|gewinn)"
)
# the condition of a pair (docs/domain.md: new or used); "new balance" / "new arrivals" are not a condition
_CONDITION_USED = re.compile(
    r"\b(?:used|gebraucht\w*|second ?-?hand|pre-?owned|preowned|worn|getragen\w*|b-?ware|vnds)\b"
)
_CONDITION_NEW = re.compile(
    r"\b(?:brand new|unworn|ungetragen\w*|neuwertig\w*|(?:in )?new condition|condition new|zustand neu|"
    r"neue(?:n)? (?:paare|schuhe|sneaker)|new (?:pairs|shoes|sneakers|kicks))\b"
)


def find_condition(text: str) -> str | None:
    if _CONDITION_USED.search(text):
        return "used"
    if _CONDITION_NEW.search(text):
        return "new"
    return None


_STATUS_LISTED = re.compile(
    r"\b(?:listed|gelistet|inseriert|online gestellt|on sale at|up for sale|for sale online|(?:listed |up )?for sale on|"
    r"zum verkauf (?:angeboten|eingestellt|online|gelistet|drin)|im verkauf|online (?:angeboten|eingestellt|drin))\b"
)
_STATUS_UNLISTED = re.compile(
    r"\b(?:unlisted|(?:not|aren'?t|isn'?t|haven'?t been|never) (?:yet )?(?:been )?listed|not yet listed|"
    r"(?:noch )?nicht (?:gelistet|inseriert|online)|in stock only|ungelistet|nicht eingestellt)\b"
)
_SORT_PRICE_DESC = re.compile(r"\b(?:most expensive|priciest|highest (?:price|cost)|teuerste\w*|expensive)\b")
_SORT_PRICE_ASC = re.compile(r"\b(?:cheapest|lowest (?:price|cost)|guenstigste\w*|billigste\w*)\b")
_SORT_NEWEST = re.compile(
    r"\b(?:newest|latest|recent(?:ly)?|neueste\w*|zuletzt gekauft|just bought|new arrivals)\b"
)
_STRIP_FOR_PRODUCT = re.compile(
    r"\b(?:what(?:'s| is| are)?|whats|how|much|many|is|are|the|a|an|my|me|i|do|does|did|have|got|any|of|for|on|in|at|to|"
    r"market|price|prices|worth|value|lowest|highest|ask|asks|bid|bids|last|sale|sales|going|currently|current|right|now|"
    r"should|would|list|sell|selling|recommend\w*|recommended|suggest\w*|find|search|look|up|lookup|info|about|tell|details?|"
    r"pairs?|stock|left|still|sku|size|us|eu|groesse|gr|was|ist|sind|wie|viel|viele|habe|hab|ich|noch|der|die|das|den|dem|"
    r"mein|meine|fuer|von|zu|wert|marktpreis\w*|marktwert|preis\w*|empfehl\w*|soll|sollte|verlangen|welchen|zu|auf|bei|"
    r"lager|bestand|on|hand|please|bitte|you|can|kannst|du|mir|check|pc|resale|resell|trading|with|it|them|that|this|those|"
    r"these|give|show|zeig\w*|and|und|only|nur|just|goat|stockx|ebay|klekt|alias|'s|s|or|oder|get|we|our|"
    r"inventory|inventar|items?|artikel|units?|kicks|sneakers?|shoes?|schuhe|warehouse|own|total|count|number|anzahl|"
    r"value|gesamt|insgesamt|tied|capital|kapital|gebunden|listed|gelistet|unlisted|sitting|whole|entire|all|alle|"
    r"under|over|above|below|than|more|less|unter|ueber|als|mehr|weniger|older|newer|old|alt|aelter|davon|denen|"
    r"nike|jordans|adidas|yeezys?|puma|asics|converse|salomon|"
    r"brand|new|used|condition|currently|there|here|which|welche|for|into|kaufen|buy|einen|eine|ein|kosten|kostet|cost|costs|"
    r"month|months|monat|monats|monaten|week|weeks|woche|wochen|year|years|jahr|jahres|quarter|quartal|today|heute|"
    r"yesterday|gestern|days?|tage|tagen|this|these|diesen|diese|dieses|letzten|letzte|letztes|vormonat|vorjahr|ytd|"
    r"past|previous|since|seit|im|what|about|wie|sieht|aus|mit|also|auch|so|far|bisher|then|dann|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|januar|februar|"
    r"maerz|mai|juni|juli|oktober|dezember|20\d\d|"
    # pronouns, auxiliaries and fillers (EN/DE): never part of a product's name
    r"they|their|theirs|we|us|ours?|you|your|he|she|his|her|wir|uns|unser\w*|ihr|euer|eure\w*|haben|habt|hast|hat|"
    r"gibt|es|da|gerade|aktuell|momentan|jetzt|derzeit|been|being|be|were|will|can|could|got|gotten|going|went|out|"
    r"pls|plz|hey|hi|yo|hello|okay|ok|thanks|need|want|wanna|know|like|see|let|lets|anything|something|some|every|"
    r"each|ones|if|when|where|why|who|not|no|yes|too|very|really|already|yet|ever|never|both|schon|mal|denn|doch|"
    r"ja|kein\w*|etwa|ungefaehr|circa|ca|around|approx\w*|roughly|wir|werden|wurde|wurden|sind|waren|war|bin|"
    r"sell\w*|sold|verkauf\w*|many|much|wieviele?|take|takes|go|goes|cost|costs|fuer|von|vom|zum|zur|am|um|"
    r"rate|going|gehen|laufen|quote|marktplatz|plattform\w*|platforms?|fees?|payout|net|right|now|rn|"
    r"cash|money|geld|sitting|stuck|steckt|stecken|tied|ware|waren|warenbestand|vorrat\w*|"
    r"used|gebraucht\w*|neu\w*|condition|zustand|deadstock|ds|vnds|"
    r"aren'?t|isn'?t|don'?t|doesn'?t|didn'?t|haven'?t|hasn'?t|won'?t|can'?t|yet|basis|book|buchwert|einstandswert|"
    r"lager\w*|\w*bestand\w*|bestaende\w*|inventar\w*|everything|anything|alles|alle[nms]?|irgendwas|etwas|was|"
    # formal and accounting words, Denglisch fillers
    r"kindly|state|provide|report|carrying|carried|held|hold|holding|attributable|aggregate|proportion|"
    r"classified|recorded|period|during|as|per|currently|presently|quantity|nicht|not|noch|nur|"
    r"valuation|valued|exceed\w*|age|aged|weighted|contribution|angeben|bitte|"
    r"gib|gebt|sag|sagen|nenn\w*|nen|ne|nem|ner|mal|kurz|schnell|sie|ihnen|hoch|hohe|einstandspreis\w*|"
    r"einkaufspreis\w*|anschaffungs\w*|zu|cost|kosten|"
    r"pay|paid|spend|spent|bezahlt|gezahlt|ausgegeben|online|offline|up|bought|gekauft|"
    r"cheapest|priciest|most|expensive|teuerste\w*|guenstigste\w*|billigste\w*|highest|lowest|"
    r"listings?|on ?hand|pairs?|performt?|performen|laufen|laeuft)\b"
)


def _product_words(text: str) -> str | None:
    """What is left of a product question once the question words are removed: 'jordan 1 chicago'."""
    cleaned = re.sub(r"[?!;:]|[.,](?!\d)", " ", text)
    cleaned = re.sub(r"\b(?:size|groesse|gr|us|sz)\s*\d{1,2}(?:[.,]5)?(?:s|'s)?\b", " ", cleaned)
    # sizes without the word: "panda dunks in 10", "dunk panda 10.5"
    cleaned = re.sub(r"\bin\s+\d{1,2}(?:[.,]5)?\s*$", " ", cleaned.strip())
    cleaned = re.sub(r"(?<![\w.,])\d{1,2}[.,]5(?![\d.,])", " ", cleaned)
    cleaned = re.sub(r"(?<![\w-])[.,]|[.,](?![\w])", " ", cleaned)
    cleaned = re.sub(r"€\s*\d+|\d+\s*(?:€|eur|euro|euros|bucks|days?|tage?n?|weeks?|wochen|%)", " ", cleaned)
    cleaned = re.sub(
        r"\b(?:under|over|above|below|than|unter|ueber|als|top|for|fuer|bis|ab|from|at|bei|zu|um)\s+\d+(?:[.,]\d+)?\b",
        " ",
        cleaned,
    )
    cleaned = re.sub(
        r"\b(?:between|zwischen)\s+\d+(?:[.,]\d+)?\s*(?:€|eur|euro)?\s*(?:and|und|to|bis|-)\s*\d+(?:[.,]\d+)?",
        " ",
        cleaned,
    )
    cleaned = _STRIP_FOR_PRODUCT.sub(" ", cleaned)
    words = cleaned.split()
    if not words or all(w.isdigit() for w in words):
        return None
    return " ".join(words)


def parse_message(raw: str, *, now: datetime) -> Query:
    """Read one message on its own (follow-up resolution happens in followups.py)."""
    text = prepare(raw)
    plain = re.sub(r"[?!.]+$", "", text).strip()
    windows = tuple(found.window for found in find_windows(text, now=now))
    for start, end in sorted(date_spans(text), reverse=True):  # dates are not prices, sizes or products
        text = text[:start] + " " * (end - start) + text[end:]
    brands = tuple(f.value for f in entities.find_brands(text))
    if not brands and entities.names_brand_on(raw):
        brands = ("On",)
    platforms = tuple(f.value for f in entities.find_platforms(text))
    metrics = find_metrics(text)
    min_age = entities.find_min_age(text)
    max_age = entities.find_max_age(text)
    min_price, max_price = entities.find_price_bounds(text)
    size = entities.find_size(text)
    sku = entities.find_sku(text)
    top_n = entities.find_top_n(text)
    common = {
        "windows": windows,
        "brand": brands[0] if brands else None,
        "brands": brands,
        "platforms": platforms,
        "size": size,
        "sku": sku,
        "top_n": top_n,
        "min_age_days": min_age,
        "condition": find_condition(text),
        "extra": {
            "bare_days": _bare_days(text),
            "over_bare": _over_bare(text),
            "compare": bool(_COMPARE.search(text)),
            "per_brand": bool(_PER_BRAND.search(text)),
            "bare_amount": _bare_amount(text),
        },
        "refers_back": bool(_REFERS_BACK.search(text)),
        "looks_like_followup": bool(_FOLLOWUP.search(text)) or len(plain.split()) <= 4,
        "mentions_turnover_word": bool(_BARE_TURNOVER.search(text)) and "turnover" not in metrics,
    }
    query = Query(**common)  # type: ignore[arg-type]

    def act(action: str, **values: object) -> Query:
        if isinstance(values.get("extra"), dict):  # an action's own extras add to the common ones
            values["extra"] = {**query.extra, **values["extra"]}  # type: ignore[dict-item]
        return replace(query, action=action, explicit_action=True, **values)  # type: ignore[arg-type]

    if _GREETING.match(plain):
        return act("greeting")
    if _REMEMBER.search(text) and not re.search(r"\b(?:do you remember|remember when|erinnerst du)\b", text):
        return act("remember", threshold_days=min_age)
    if _HELP.search(text) and not metrics:
        return act("help")

    amount = entities.find_money(text)
    if _FEES.search(text) and metrics[:1] != ("profit",):
        if amount is None and (re.search(r"\b(?:fees?|gebuehr\w*|payout|auszahlung)\b", text) or platforms):
            bare = re.search(r"(?<![\w.,])(\d{2,6}(?:[.,]\d{1,2})?)(?![\w.,])", text)
            amount = float(bare.group(1).replace(",", ".")) if bare else None
        if amount is not None:
            return act("fee_estimate", amount=amount)
    if _DISCOUNT.search(text) and not re.search(r"\bdiscount\w* (?:code|rate)\b", text):
        return act(
            "discount_candidates",
            threshold_days=min_age,
            product_query=None,
            target_margin_pct=entities.find_percent(text),
        )
    product = _product_words(text)
    if _RECOMMEND.search(text) and not _BEST.search(text):
        return act(
            "price_recommendation", product_query=product, target_margin_pct=entities.find_percent(text)
        )
    named_product = bool(sku) or bool(product and not brands_only(product, brands))
    if _MARKET.search(text) and named_product and not metrics:
        return act("market_prices", product_query=product)

    sales_metrics = set(metrics) - {"dead_stock_rate"}
    weak = _DEAD_WEAK.search(text)
    if (
        weak
        and weak.group(0).strip() in ("sitting", "stuck")
        and (_STATUS_UNLISTED.search(text) or _STATUS_LISTED.search(text))
    ):
        weak = None  # "pairs sitting unlisted": a listing status, not an age
    dead = bool(_DEAD.search(text)) or bool(weak and not sales_metrics and not _VALUE_OF_STOCK.search(text))
    if dead and min_age is None:  # "hasn't sold in 3 months", "seit 90 Tagen", "dead stock 120 days"
        bare = _BARE_DAYS.search(text)
        min_age = entities._to_days(bare.group(1), bare.group(2)) if bare else None
        if min_age is None:  # "dead stk over 90": an age with no unit is days
            over = _OVER_BARE_NUMBER.search(text)
            min_age = int(over.group(1)) if over and int(over.group(1)) >= 7 else None

    grain = _grain(text)
    is_series = bool(_SERIES.search(text)) and (
        bool(metrics) or bool(_SALES.search(text)) or "profit" in text
    )
    if is_series:
        return act("time_series", metrics=metrics, grain=grain or "month")

    by_brand_sales = bool(_PER_BRAND.search(text)) and set(metrics) <= {"revenue", "orders"} and not brands
    if by_brand_sales and (metrics or _SALES.search(text)):  # "rev by brand mtd": the brand ranking
        return act("best_sellers", by="brand", metrics=metrics)
    if (
        _BEST.search(text)
        and _WHERE_PLATFORM.search(text)
        and not re.search(
            r"\b(?:brands?|marken?|products?|produkte?|models?|modelle?|sneakers?|shoes?|schuhe|skus?)\b",
            text,
        )
    ):  # "where do we sell the most": a platform ranking, not a product one
        return act("sales_by_platform", metrics=metrics)
    if _BEST.search(text) and not dead and not _LOW_STOCK.search(text):
        by = (
            "brand"
            if _BY_BRAND.search(text) and not re.search(r"\b(?:products?|models?|produkte?|modelle?)\b", text)
            else "product"
        )
        return act("best_sellers", by=by, metrics=metrics)

    if (
        len(brands) >= 2
        and len(platforms) < 2
        and (_COMPARE.search(text) or re.search(r"\bor\b|\boder\b|\bgegen\b", text))
        and (metrics or _SALES.search(text) or not _INVENTORY.search(text))
    ):  # "nike vs adidas revenue ytd"
        return act("compare_brands", metrics=metrics)
    if _COMPARE.search(text) or (
        re.search(r"\bor\b|\boder\b|\band\b|\bund\b|\bgegen\b|&|,|/", text) and len(platforms) >= 2
    ):
        if len(platforms) >= 2:
            return act("compare_platforms", metrics=metrics)
        if len(windows) >= 2 or re.search(r"\b(?:last|previous|vormonat|vorjahr|letzten|prior)\b", text):
            return act("compare_periods", metrics=metrics)
    if _BY_PLATFORM.search(text) and (metrics or _SALES.search(text) or not _INVENTORY.search(text)):
        return act("sales_by_platform", metrics=metrics)

    if _LOW_STOCK.search(text):
        return act("low_stock", extra={"by_size": bool(re.search(r"\b(?:sizes?|groessen?)\b", text))})
    if _BETWEEN_AGES.search(text) and not sales_metrics:
        return act("aging")
    if (dead or min_age is not None) and platforms and min_age is not None and not sales_metrics:
        # "what's listed on ebay over 90 days": old pairs listed on one platform
        return act("list_inventory", status="listed", min_age_days=min_age, sort=_sort(text), wants_list=True)
    if dead or (min_age is not None and not metrics and not _LIST_ORDERS.search(text)):
        if "dead_stock_rate" in metrics or re.search(r"\b(?:rate|quote|anteil|percent\w*|prozent|%)\b", text):
            return act("dead_stock", threshold_days=min_age, metrics=("dead_stock_rate",))
        return act("dead_stock", threshold_days=min_age)
    if "dead_stock_rate" in metrics:
        return act("dead_stock", threshold_days=min_age, metrics=("dead_stock_rate",))
    if _AGING.search(text) and not metrics:
        return act("aging")

    if (
        _LIST_ORDERS.search(text)
        and not (metrics and set(metrics) - {"orders"})
        and not re.search(r"\bhow many\b|\bwie ?viele\b", text)
    ):
        return act("list_orders", sort=None)

    if (metrics and metrics != ("orders",)) or (metrics == ("orders",) and not _INVENTORY_ONLY.search(text)):
        return act("kpis", metrics=metrics)
    if (
        not metrics
        and _COUNT_QUESTION.search(text)
        and (platforms or windows)
        and not _HOLDING.search(text)
        and not named_product
    ):  # "wie viele Paare über eBay in den letzten 30 Tagen": pairs sold there, not pairs owned
        return act("kpis", metrics=("orders",), extra={"inferred_orders": True})
    if query.mentions_turnover_word:
        return act("kpis", metrics=("revenue", "turnover"))

    brand_count = bool(
        brands
        and _COUNT_QUESTION.search(text)
        and not metrics
        and (not product or brands_only(product, brands))
    )
    if (
        _INVENTORY.search(text)
        or size
        or min_price is not None
        or max_price is not None
        or query.condition
        or brand_count
    ):
        value_asked = bool(
            re.search(
                r"\b(?:value|worth|wert|tied up|capital|kapital|gebunden|lagerwert|warenwert|cash|money|geld|"
                r"cost (?:me|us)|gekostet|at cost|einkaufswert|valued?|cost basis|book value|buchwert|einstandswert|"
                r"einstandspreis\w*|einkaufspreis\w*|anschaffungs\w*|balance|valuation|"
                r"pa(?:y|id) for|spen[dt] on|bezahlt|gezahlt|ausgegeben)\b",
                text,
            )
        )
        status = "listed" if _STATUS_LISTED.search(text) and not _STATUS_UNLISTED.search(text) else None
        if _STATUS_UNLISTED.search(text):
            status = "in_stock"
        if status is None and platforms and not metrics:  # "stockx listings", "pairs on goat": listed there
            status = "listed"
        wants_list = bool(_LIST.search(text) or _sort(text) in ("price_desc", "price_asc")) and not re.search(
            r"\bhow many\b|\bwie ?viele?\b|\bcount\b|\banzahl\b", text
        )
        specific_product = product if product and not brands_only(product, brands) else None
        filtered = (
            size
            or min_price is not None
            or max_price is not None
            or status
            or max_age is not None
            or query.condition
        )
        if (sku or specific_product) and not filtered and not wants_list:
            # "stock of DZ5485-612", "how many dunk low panda left": one product's availability; when
            # the words match no product ("what did we pay for the shoes we still have") the planner
            # answers the inventory question instead
            fallback = act("inventory_summary", extra={"value_asked": value_asked, "text": text})
            return act("product_lookup", product_query=product, extra={"fallback": fallback})
        if (
            wants_list
            or size
            or min_price is not None
            or max_price is not None
            or specific_product
            or status
            or query.condition
        ):
            return act(
                "list_inventory",
                product_query=specific_product,
                min_price=min_price,
                max_price=max_price,
                max_age_days=max_age,
                status=status,
                sort=_sort(text),
                wants_list=wants_list,
                extra={"value_asked": value_asked},
            )
        return act("inventory_summary", extra={"value_asked": value_asked, "text": text})

    if sku or (product and (_PRODUCT.search(text) or _COUNT_QUESTION.search(text))):
        extra: dict[str, object] = {}
        if (metrics or _SALES.search(text) or windows) and not sku:  # a sales question with unknown words
            extra["fallback"] = act("kpis", metrics=metrics)
        return act("product_lookup", product_query=product, extra=extra)
    if _SALES.search(text) and not _FOLLOWUP.match(text):
        return act("kpis", metrics=())
    if windows and re.search(r"\b(?:geld|money|cash|euros?|dough)\b", text):  # "Kohle letzte Woche"
        return act("kpis", metrics=())
    if _MARKET.search(text) and product:
        return act("market_prices", product_query=product)
    return replace(
        query,
        action="unknown",
        product_query=product,
        amount=amount,
        min_price=min_price,
        max_price=max_price,
    )


_INVENTORY_ONLY = re.compile(r"\b(?:in stock|on hand|auf lager|im lager|left|uebrig)\b")


_NOT_PRODUCT = frozenset(
    [
        "from",
        "balance",
        "by",
        "pairs",
        "paar",
        "paare",
        "all",
        "alle",
        "brand",
        "summary",
        "money",
        "rn",
        "rightnow",
        "hoch",
        "lagerwert",
        "warenwert",
        "wieviele",
        "wieviel",
        "r",
        "u",
        "ur",
        "im",
        "dead",
        "tot",
        "stock",
        "lager",
        "bestand",
        "much",
        "many",
        "how",
        "high",
        "worth",
        "total",
        "gesamt",
        "gerade",
        "aktuell",
        "jetzt",
    ]
)


def brands_only(product: str, brands: tuple[str, ...]) -> bool:
    """True when the 'product' words are only brand words or filler ('nike', 'jordans', 'rn')."""
    text = product
    for found in sorted(entities.find_brands(product), key=lambda f: -f.start):
        text = text[: found.start] + " " + text[found.end :]
    leftover = [w for w in text.split() if w not in _NOT_PRODUCT and (len(w) >= 3 or w.isdigit())]
    return not leftover


def _over_bare(text: str) -> int | None:
    """'over 200' with no unit or currency: days after a dead-stock question, a price otherwise."""
    match = _OVER_BARE_NUMBER.search(text)
    return int(match.group(1)) if match and not re.search(r"[€$]|\beur|\bbucks", text) else None


def _bare_amount(text: str) -> float | None:
    """'what about 300?' -> 300: an amount of money or a plain number (a price in a fee follow-up)."""
    money = entities.find_money(text)
    if money is not None:
        return money
    match = re.search(
        r"(?<![\w.,])(\d{2,6}(?:[.,]\d{1,2})?)(?![\w.,])(?!\s*(?:%|days?|tage?n?|weeks?|wochen|months?|monate?n?|pairs?|paare?))",
        text,
    )
    return float(match.group(1).replace(",", ".")) if match else None


def _bare_days(text: str) -> int | None:
    """'and if we say 120 days?' -> 120: a number of days named without 'older than' or 'last'."""
    match = _BARE_DAYS.search(text)
    return entities._to_days(match.group(1), match.group(2)) if match else None


def _grain(text: str) -> str | None:
    if re.search(
        r"\b(?:by|per|each|every|pro|je|nach) (?:week|woche|wochen)\b|\bweekly\b|\bwoechentlich", text
    ):
        return "week"
    if re.search(
        r"\b(?:by|per|each|every|pro|je|nach) (?:day|tag|tagen)\b|\bdaily\b|\btaeglich|\bday by day\b", text
    ):
        return "day"
    if re.search(
        r"\b(?:by|per|each|every|pro|je|nach) (?:month|monat|monaten)\b|\bmonthly\b|\bmonatlich", text
    ):
        return "month"
    return None


def _sort(text: str) -> str | None:
    if _SORT_PRICE_DESC.search(text):
        return "price_desc"
    if _SORT_PRICE_ASC.search(text):
        return "price_asc"
    if _SORT_NEWEST.search(text):
        return "newest"
    return None
