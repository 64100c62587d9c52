# The two commands of a fresh machine are `make up` and `make test`.
.PHONY: up test demo bench lint

up:    ## install what is missing, start Kafka, FerretDB and the four services; Ctrl-C stops all
	bash scripts/bootstrap.sh && uv run warta stack up

test:  ## lint, types, import contracts and every test on the real broker and database
	bash scripts/test.sh

demo:  ## one report through the running stack (after `make up`, in another terminal)
	uv run warta demo

bench: ## benchmarks (figures, not pass/fail)
	bash scripts/bootstrap.sh && uv run python -m bench.ingest_bench

lint:
	uv run ruff check . && uv run mypy && uv run lint-imports
