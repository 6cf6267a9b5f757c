# Thin wrappers over the npm scripts; `make help` lists them.
STACK ?= dev

.PHONY: help install plan test test-unit test-real lint typecheck bench ci env up down compose swarm-secrets swarm-deploy swarm-rm
help:
	@echo "make install             npm ci"
	@echo "make plan [STACK=dev]    offline plan of a stack into plan/<stack>/"
	@echo "make test                every test (real PostgreSQL/Redis tests need .ci/run's Debian packages)"
	@echo "make test-unit           unit tests under Pulumi's mock runtime only"
	@echo "make lint typecheck      ESLint + Prettier; tsc --noEmit (TypeScript 7, then 5.9)"
	@echo "make bench               medians of plan, type check and unit-suite times"
	@echo "make ci                  what CI runs (installs Debian packages as root)"
	@echo "make up                  local stack with docker compose: writes .env once, then up -d"
	@echo "make down                stop it (volumes kept; docker compose down -v drops the data)"
	@echo "make compose             regenerate docker-compose.yml, docker-stack.yml and local/compose/ (npm run compose)"
	@echo "make swarm-deploy        Docker Swarm proof of concept: Swarm secrets from .env, then docker stack deploy"
	@echo "make swarm-rm            remove the stack (volumes and Swarm secrets kept)"

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
	npm run typecheck && npm run typecheck:ts5
bench:
	npm run bench
ci:
	bash .ci/run

# Local parity without Kubernetes: Docker Compose v2 if present, else docker-compose v1.
# Run from local/, where docker-compose.yml and its .env live.
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)

env:
	node build/run.js local/make-env.ts
up: env
	cd local && $(COMPOSE) up -d
down:
	cd local && $(COMPOSE) down
compose:
	npm run compose

# Docker Swarm proof of concept (a manager node, Engine 23+): docker-stack.yml from the same renderers.
# The stack's network and config names are fixed (local/generator/swarm.ts), so is its name.
SWARM_STACK := ferrum

swarm-secrets: env
	node build/run.js local/swarm-secrets.ts
swarm-deploy: swarm-secrets
	docker stack deploy --compose-file local/docker-stack.yml --prune --with-registry-auth $(SWARM_STACK)
swarm-rm:
	docker stack rm $(SWARM_STACK)
