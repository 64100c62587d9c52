"""Local servers that follow outside APIs' documented contracts (Telegram, Graph, X, WhatsApp).

Used by the tests and by `warta stack up --sandbox`; never imported by a service."""
