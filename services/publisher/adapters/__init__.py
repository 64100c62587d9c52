"""One adapter per outside network; each implements the port in services.publisher.adapters.port."""
