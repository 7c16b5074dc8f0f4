"""PostgreSQL backend whose connection pool notices a database that went away."""
