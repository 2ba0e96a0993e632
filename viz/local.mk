## viz/local.mk: build fragment for viz/, included by Makefile.am
