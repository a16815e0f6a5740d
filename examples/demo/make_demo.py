#!/usr/bin/env python3
"""Writes models/classifier.pkl: a protocol-2 pickle whose *loading* would call
os.system("echo inert"). Assembled opcode by opcode; nothing is ever loaded."""
from pathlib import Path

out = b"\x80\x02"                      # PROTO 2
out += b"cos\nsystem\n"                # GLOBAL os.system
out += b"X\x0a\x00\x00\x00echo inert"  # BINUNICODE "echo inert"
out += b"\x85"                         # TUPLE1
out += b"R"                            # REDUCE
out += b"."                            # STOP
Path(__file__).with_name("models").mkdir(exist_ok=True)
Path(__file__).with_name("models").joinpath("classifier.pkl").write_bytes(out)
