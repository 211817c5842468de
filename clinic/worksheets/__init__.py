"""The worksheet domain, free of Flask and the database: the model, the file schema and its
checks, loading, a partner's answers, comparing two partners, and demo answers."""
