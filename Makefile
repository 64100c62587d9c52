# The two commands of a fresh machine are `make up` and `make test`.
.PHONY: up test demo bench lint screenshots

# Instances of each service behind the front door: `make up REPLICAS=3`.
REPLICAS ?= 1

up:    ## install what is missing; start Kafka, secantus-mdb, the services and the nginx front door (supervised); Ctrl-C stops all
	bash scripts/bootstrap.sh && uv run warta stack up --replicas $(REPLICAS)

test:  ## lint, types, import contracts and every test on the real broker and database
	bash scripts/test.sh

demo:  ## one report through the running stack (after `make up`, in another terminal)
	uv run warta demo

bench: ## benchmarks (figures, not pass/fail): ingest, pipeline, photos; ~15 min in all
	bash scripts/bootstrap.sh && uv run python -m bench

screenshots: ## the console's main pages at 360 px, in Debian's chromium, into docs/screenshots/
	CONSOLE_SCREENSHOTS_DIR=docs/screenshots uv run pytest tests/e2e/console/test_screenshots.py -q -p no:cacheprovider

lint:
	uv run ruff check . && uv run mypy && uv run lint-imports
