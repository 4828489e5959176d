"""The control plane: HTTP/JSON API (OpenAPI) and the server-rendered pages."""
