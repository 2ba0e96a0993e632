#!/usr/bin/env python3
"""tests/fuzz/make_frames.py - write the seed corpus of fuzz_frame.

Real frames, encoded by hand (no tshark), with correct checksums, for the
world of tests/fuzz/fuzz_frame.c: alice 10.0.0.1 02:00:00:00:00:01 and
bob 10.0.0.2 02:00:00:00:00:02; frames arrive at bob.  Several frames in
one input are joined by SEP, as fuzz_frame.c splits them.

    python3 tests/fuzz/make_frames.py tests/fuzz/corpus/frame
"""
import os
import struct
import sys

SEP = b"NETSIM-NEXT-FRAME"
ALICE_MAC = bytes.fromhex("020000000001")
BOB_MAC = bytes.fromhex("020000000002")
OTHER_MAC = bytes.fromhex("020000000077")
BCAST = b"\xff" * 6


def ip(a):
    return bytes(int(x) for x in a.split("."))


ALICE, BOB, OTHER = ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.77")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(dst, src, etype, payload):
    frame = dst + src + struct.pack("!H", etype) + payload
    return frame + b"\0" * max(0, 60 - len(frame))  # pad to ETH_ZLEN


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


def ipv4(src, dst, proto, payload, ttl=64, ident=1, flags_off=0x4000, options=b"", tot=None):
    ihl = 5 + len(options) // 4
    length = tot if tot is not None else 20 + len(options) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, length, ident, flags_off, ttl, proto, 0,
                      src, dst) + options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def icmp(typ, code, rest, payload):
    msg = struct.pack("!BBH", typ, code, 0) + rest + payload
    return msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]


def pseudo(src, dst, proto, length):
    return src + dst + struct.pack("!BBH", 0, proto, length)


def udp(src, dst, sport, dport, payload, check=True):
    length = 8 + len(payload)
    seg = struct.pack("!HHHH", sport, dport, length, 0) + payload
    c = csum(pseudo(src, dst, 17, length) + seg) if check else 0
    if check and c == 0:
        c = 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", window=65535, options=b""):
    off = (20 + len(options)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, window, 0, 0)
    seg += options + payload
    c = csum(pseudo(src, dst, 6, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


# The established connection of fuzz_frame.c's world, as printed by
#   FUZZ_FRAME_VERBOSE=1 tests/fuzz/replay_frame tests/fuzz/corpus/frame/tcp-syn
# (deterministic: the same in every world; update when TCP or the RNG changes).
EST_PORT = 33440          # alice's end (the echo client)
EST_BOB_SND_NXT = 820193746
EST_BOB_RCV_NXT = 911588281


def to_bob(src_mac, packet):
    return eth(BOB_MAC, src_mac, 0x0800, packet)


def fragments(src, dst, proto, payload, size, ident):
    """Split an IP payload into fragments carrying @size bytes (a multiple of 8)."""
    out = []
    for off in range(0, len(payload), size):
        more = off + size < len(payload)
        fo = (off // 8) | (0x2000 if more else 0)
        out.append(to_bob(ALICE_MAC, ipv4(src, dst, proto, payload[off:off + size],
                                          ident=ident, flags_off=fo)))
    return out


def seeds():
    s = {}
    s["arp-request"] = eth(BCAST, ALICE_MAC, 0x0806,
                           arp(1, ALICE_MAC, ALICE, b"\0" * 6, BOB))
    s["arp-request-from-unknown"] = eth(BCAST, OTHER_MAC, 0x0806,
                                        arp(1, OTHER_MAC, OTHER, b"\0" * 6, BOB))
    s["arp-reply"] = eth(BOB_MAC, OTHER_MAC, 0x0806, arp(2, OTHER_MAC, OTHER, BOB_MAC, BOB))
    s["arp-gratuitous"] = eth(BCAST, OTHER_MAC, 0x0806, arp(1, OTHER_MAC, OTHER, b"\0" * 6, OTHER))
    echo = icmp(8, 0, struct.pack("!HH", 0x1234, 1), bytes(range(56)))
    s["icmp-echo"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 1, echo))
    s["icmp-echo-from-unresolved"] = to_bob(OTHER_MAC, ipv4(OTHER, BOB, 1, echo))
    s["icmp-echo-broadcast"] = eth(BCAST, ALICE_MAC, 0x0800, ipv4(ALICE, ip("10.0.0.255"), 1, echo))
    s["icmp-echo-reply"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 1, icmp(0, 0, struct.pack("!HH", 1, 1), b"x" * 8)))
    inner = ipv4(BOB, ALICE, 17, udp(BOB, ALICE, 40000, 9, b"hello"))
    s["icmp-port-unreachable"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 1, icmp(3, 3, b"\0" * 4, inner[:28])))
    s["icmp-frag-needed"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 1, icmp(3, 4, struct.pack("!HH", 0, 576), inner)))
    s["icmp-time-exceeded"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 1, icmp(11, 0, b"\0" * 4, inner[:28])))
    s["udp-to-sink"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 17, udp(ALICE, BOB, 40000, 7, b"hello, bob")))
    s["udp-no-checksum"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 17, udp(ALICE, BOB, 40000, 7, b"abc", check=False)))
    s["udp-closed-port"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 17, udp(ALICE, BOB, 40000, 9, b"anyone?")))
    s["udp-broadcast"] = eth(BCAST, ALICE_MAC, 0x0800,
                             ipv4(ALICE, ip("10.0.0.255"), 17, udp(ALICE, ip("10.0.0.255"), 40000, 9, b"all")))
    s["udp-large"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 17, udp(ALICE, BOB, 40000, 7, bytes(1472))))
    s["ip-options"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 17, udp(ALICE, BOB, 40000, 7, b"opts"),
                                             options=b"\x01\x01\x01\x00"))
    s["ip-unknown-protocol"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 99, b"payload!"))
    s["ip-forward"] = to_bob(ALICE_MAC, ipv4(ALICE, ip("192.168.1.1"), 17,
                                            udp(ALICE, ip("192.168.1.1"), 40000, 53, b"q")))
    s["ip-forward-ttl1"] = to_bob(ALICE_MAC, ipv4(ALICE, ip("192.168.1.1"), 17,
                                                 udp(ALICE, ip("192.168.1.1"), 40000, 53, b"q"), ttl=1))
    s["ip-forward-df-too-big"] = to_bob(ALICE_MAC, ipv4(ALICE, ip("192.168.1.1"), 17,
                                                       udp(ALICE, ip("192.168.1.1"), 40000, 53, bytes(1472))))
    bad = bytearray(to_bob(ALICE_MAC, ipv4(ALICE, BOB, 1, echo)))
    bad[14 + 10] ^= 0xFF
    s["ip-bad-checksum"] = bytes(bad)
    s["ip-short-total-length"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 1, echo, tot=24))
    big = udp(ALICE, BOB, 40000, 7, bytes(i & 0xFF for i in range(3000)))
    frags = fragments(ALICE, BOB, 17, big, 1480, ident=77)
    s["ip-fragments"] = SEP.join(frags)
    s["ip-fragments-reversed"] = SEP.join(reversed(frags))
    s["ip-fragment-first-only"] = frags[0]
    s["ip-fragment-duplicate"] = SEP.join([frags[0], frags[0], frags[1], frags[2]])
    ov = fragments(ALICE, BOB, 17, big, 1000, ident=78) + fragments(ALICE, BOB, 17, big, 1480, ident=78)[1:2]
    s["ip-fragments-overlapping"] = SEP.join(ov)
    s["ip-fragments-forwarded"] = SEP.join(
        fragments(ALICE, ip("192.168.1.1"), 17, udp(ALICE, ip("192.168.1.1"), 1, 2, bytes(2000)), 1480, 5))
    s["tcp-syn"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 6, tcp(ALICE, BOB, 40000, 80, 1000, 0, 0x02,
                                                            options=b"\x02\x04\x05\xb4")))
    s["tcp-syn-closed-port"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 6, tcp(ALICE, BOB, 40000, 81, 1000, 0, 0x02)))
    s["tcp-data"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 6, tcp(ALICE, BOB, 40000, 80, 1001, 1, 0x18, b"GET / HTTP/1.0\r\n\r\n")))
    s["tcp-rst"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 6, tcp(ALICE, BOB, 40000, 80, 1001, 0, 0x04)))
    def est(flags, payload=b"", seq_off=0, ack_off=0, window=65535):
        return to_bob(ALICE_MAC, ipv4(ALICE, BOB, 6, tcp(ALICE, BOB, EST_PORT, 80,
                                                         (EST_BOB_RCV_NXT + seq_off) & 0xFFFFFFFF,
                                                         (EST_BOB_SND_NXT + ack_off) & 0xFFFFFFFF,
                                                         flags, payload, window=window)))
    s["tcp-est-data"] = est(0x18, bytes(100))
    s["tcp-est-data-then-fin"] = SEP.join([est(0x18, b"x" * 100), est(0x11, seq_off=100)])
    s["tcp-est-out-of-order"] = SEP.join([est(0x18, b"b" * 100, seq_off=100), est(0x18, b"a" * 100)])
    s["tcp-est-beyond-window"] = est(0x18, b"z" * 100, seq_off=1 << 20)
    s["tcp-est-dup-acks"] = SEP.join([est(0x10)] * 4)
    s["tcp-est-ack-unsent"] = est(0x10, ack_off=5000)
    s["tcp-est-zero-window"] = est(0x10, window=0)
    s["tcp-est-rst"] = est(0x04)
    s["tcp-est-rst-bad-seq"] = est(0x04, seq_off=12345)
    s["tcp-est-syn"] = est(0x02)
    s["tcp-est-fin"] = est(0x11)
    s["tcp-syn-then-ack"] = SEP.join([
        s["tcp-syn"],
        to_bob(ALICE_MAC, ipv4(ALICE, BOB, 6, tcp(ALICE, BOB, 40000, 80, 1001, 1, 0x10)))])
    s["tcp-syn-options"] = to_bob(ALICE_MAC, ipv4(ALICE, BOB, 6, tcp(
        ALICE, BOB, 40001, 80, 7, 0, 0x02,
        options=b"\x02\x04\x05\xb4\x04\x02\x08\x0a\0\0\0\1\0\0\0\0\x01\x03\x03\x07")))
    s["ipv6-ignored"] = eth(BOB_MAC, ALICE_MAC, 0x86DD, bytes(40))
    s["other-host"] = eth(OTHER_MAC, ALICE_MAC, 0x0800, ipv4(ALICE, OTHER, 1, echo))
    s["runt"] = BOB_MAC + ALICE_MAC + b"\x08"
    s["arp-then-echo"] = SEP.join([s["arp-request"], s["icmp-echo"], s["udp-to-sink"]])
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(seeds().items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
