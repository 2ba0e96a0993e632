## stack/local.mk: one host's kernel (sk_buff, device layer, NIC, ...).
## The wire lives in sim/ (it knows nothing of skbs) but is built here.
libnetsim_a_SOURCES += \
	sim/wire.h \
	stack/skbuff.h \
	stack/netdevice.h \
	stack/eth.h \
	stack/nic.h \
	stack/host.h
