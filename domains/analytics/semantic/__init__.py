"""The semantic layer: one typed query (metrics x dimensions x filters x window) answered in SQL.

See docs/semantic.md. The AI assistant's parser produces a SemanticQuery, REST exposes it as
POST /analytics/query, and SemanticQueryService runs it."""
