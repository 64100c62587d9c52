"""The web console: server-rendered pages over the services' public HTTP APIs."""
