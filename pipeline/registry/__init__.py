"""The one registry of fields and tables (schemas/), and every form it renders itself into."""
