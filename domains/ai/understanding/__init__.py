"""How the assistant reads a question: every word gets a role from data (lexicon.toml, the
business's own names, the time grammar, the user's taught words); what has no role is unknown.

    normalize -> tokens -> time grammar + phrase roles -> Interpretation -> SemanticQuery
"""
