## tests/local.mk: build fragment for tests/, included by Makefile.am
