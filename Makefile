# Entry points for developers and CI. Every target that runs code first makes sure
# Debian packages, npm deps and the build are in place (scripts/setup.sh is quiet when they are).
.PHONY: setup build run test bench clean ensure-redis ensure-postgres

setup:
	@bash scripts/setup.sh

build:
	@npm run build --silent

ensure-redis:
	@bash scripts/ensure-redis.sh

# the integration tests need a real PostgreSQL (the server alone falls back to PGlite)
ensure-postgres:
	@bash scripts/ensure-postgres.sh

run: setup ensure-redis
	npm start

test: setup ensure-redis ensure-postgres
	npm run lint
	npm run typecheck:all
	bash scripts/run-tests.sh

bench: setup ensure-redis
	npm run bench:sip
	npm run bench:media
	npm run bench:acd
	npm run bench:cti
	npm run bench:records
	npm run bench:dialer

clean:
	rm -rf dist coverage
