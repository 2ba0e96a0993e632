# tests/tcp_stream.sh - helpers of the tshark TCP tests (tcp_wireshark.sh,
# tso_wireshark.sh, gro_wireshark.sh, tcp_sack_wireshark.sh), sourced after
# tests/lib.sh: the programs of their bulk transfers (the hosts are lib.sh's
# lan_hosts), the SHA-256
# of the byte stream tshark reassembles from a capture, the SHA-256 of the
# pattern bulk_send writes, and one figure of a metrics file.

# bulk_apps DST BYTES [SENDER_DURATION]: bulk_send on alice writes BYTES
# (0: for the duration) to DST port 5001 from 10 ms, bulk_sink on bob reads
# them; both with 4 MiB socket buffers.
bulk_apps() {
	cat <<EOF
[app sink]
host = bob
program = bulk_sink
port = 5001
rcvbuf = 4194304
[app send]
host = alice
program = bulk_send
dst = $1
port = 5001
bytes = $2
${3:+duration = $3}
sndbuf = 4194304
start = 10ms
EOF
}

# stream_hash PCAP: SHA-256 of the client's reassembled byte stream.
stream_hash() {
	"$TSHARK" -r "$1" -q -z follow,tcp,raw,0 2>/dev/null |
		python3 -c '
import sys, hashlib
h = hashlib.sha256(); body = False
for line in sys.stdin:
    if line.startswith("====="):
        body = not body if line.strip("=\n") == "" else body
        continue
    if not body or line.startswith(("Follow:", "Filter:", "Node ")) or line.startswith("\t"):
        continue
    h.update(bytes.fromhex(line.strip()))
print(h.hexdigest())'
}

# pattern_hash N: SHA-256 of the first N bytes bulk_send writes.
pattern_hash() {
	python3 -c "
import hashlib
n = $1; block = bytes(i % 251 for i in range(251)) * (65536 // 251 + 2)
h = hashlib.sha256(); off = 0
while off < n:
    k = min(65536, n - off); s = off % 251
    h.update(block[s:s + k]); off += k
print(h.hexdigest())"
}

# figure METRICS KEY: the value of KEY in a metrics file.
figure() { sed -n "s/^$2 //p" "$1"; }
