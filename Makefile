# Thin wrappers over the npm scripts; `make help` lists them.
STACK ?= dev

.PHONY: help install plan test test-unit test-real lint typecheck bench ci
help:
	@echo "make install             npm ci"
	@echo "make plan [STACK=dev]    offline plan of a stack into plan/<stack>/"
	@echo "make test                every test (real PostgreSQL/Redis tests need .ci/run's Debian packages)"
	@echo "make test-unit           unit tests under Pulumi's mock runtime only"
	@echo "make lint typecheck      ESLint + Prettier; tsc --noEmit"
	@echo "make bench               medians of plan, type check and unit-suite times"
	@echo "make ci                  what CI runs (installs Debian packages as root)"

install:
	npm ci
plan:
	npm run plan -- $(STACK)
test:
	npm test
test-unit:
	npm run test:unit
test-real:
	npm run test:real
lint:
	npm run lint
typecheck:
	npm run typecheck
bench:
	npm run bench
ci:
	bash .ci/run
