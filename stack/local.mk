## stack/local.mk: one host's kernel (sk_buff, device layer, NIC, ...).
## The wire lives in sim/ (it knows nothing of skbs) but is built here.
libnetsim_a_SOURCES += \
	sim/wire.c sim/wire.h \
	stack/skbuff.c stack/skbuff.h \
	stack/host.c stack/host.h \
	stack/dev.c stack/netdevice.h \
	stack/eth.c stack/eth.h \
	stack/nic.c stack/nic.h

STACK_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
STACK_TEST_LIBS = $(NETSIM_LIBS) $(CMOCKA_LIBS)
