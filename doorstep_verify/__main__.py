"""python -m doorstep_verify bundle.zip [--key VKEY] [--witness-key VKEY] [--require-witness]"""

import argparse
import sys

from doorstep_verify.bundle import verify_bundle


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="doorstep_verify", description="Verify a Doorstep evidence bundle.")
    parser.add_argument("bundle")
    parser.add_argument("--key", action="append", default=[], help="trusted log verifier key (repeatable)")
    parser.add_argument("--witness-key", action="append", default=[], help="trusted witness verifier key")
    parser.add_argument("--require-witness", action="store_true", help="fail unless a witness countersigned")
    args = parser.parse_args(argv)
    report = verify_bundle(args.bundle, args.key or None, args.witness_key or None, args.require_witness)
    for line in report.lines:
        print(line)
    print("VERIFIED: the bundle is intact." if report.ok else f"TAMPERED: {len(report.problems)} problem(s).")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
