.PHONY: demo test lint
demo:
	./scripts/demo
test:
	./scripts/test
lint:
	./scripts/lint
