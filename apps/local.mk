## apps/local.mk: build fragment for apps/, included by Makefile.am
