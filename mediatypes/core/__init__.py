"""Core building blocks: stores (content-addressed writer), media base class, array coercion."""
