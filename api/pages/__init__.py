"""Server-rendered pages (Jinja2 templates in web/templates) of the product."""
