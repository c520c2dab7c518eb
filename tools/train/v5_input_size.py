#!/usr/bin/python3
"""The tower's input size, chosen from validation: for each size S, the
fine-tuned tower's own MOS regressor on the 1,000 validation photos (BIQ2021
training split, held out by image; never the test split, never CLIVE)
resized to S x S (PIL bicubic, antialiased), and the C engine's end-to-end
speed with the model exported at S (24-MP JPEGs in, scores out, as
evaluate.py measures it).

    /usr/bin/python3 tools/train/v5_input_size.py --ckpt CKPT --head HEAD.pkl \\
        --rali build/app/rali [--sizes 384 448 512]    # -> RUN/input-size.jsonl

The tower was trained on 384-px crops of the photos at their own 512-px
scale: a smaller input shows it every defect smaller than it learned them.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import finetune as FT  # noqa: E402
import tflite_mobilenet as TM  # noqa: E402
import evaluate as EV  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--biq", default="/work/cache/biq2021")
    ap.add_argument("--run", default="/work/cache/v5-run")
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--head", required=True)
    ap.add_argument("--rali", default=os.path.join(HERE, "..", "..", "build", "app", "rali"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[384, 448, 512])
    ap.add_argument("--work", default="/work/cache/v5-input-size")
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--n-val", type=int, default=1000)
    args = ap.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.work, exist_ok=True)
    _, _, va_p, va_y = FT.split(args)
    model = FT.V5Net(TM.DEFAULT_TFLITE).to(memory_format=torch.channels_last)
    model.load_state_dict(torch.load(args.ckpt)["model"])
    rows = []
    for s in args.sizes:
        t0 = time.time()
        srcc, plcc = FT.correlations(FT.predict(model, va_p, size=s), va_y)
        val_s = time.time() - t0
        model_path = os.path.join(args.work, f"model-{s}.rali")
        subprocess.run([sys.executable, os.path.join(HERE, "v5_export.py"), "--ckpt", args.ckpt, "--head", args.head,
                        "--image-size", str(s), "-o", model_path], check=True, capture_output=True)
        sp = EV.speed(argparse.Namespace(work=args.work, rali=args.rali, model=model_path))
        row = dict(size=s, val_srcc=round(srcc, 4), val_plcc=round(plcc, 4), val_n=len(va_p),
                   val_seconds=round(val_s, 1), photos_per_s=sp["photos_per_s"], load_average=sp["load_average"],
                   ckpt=os.path.basename(args.ckpt), time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        print(json.dumps(row), flush=True)
        rows.append(row)
        with open(os.path.join(args.run, "input-size.jsonl"), "a") as fh:
            fh.write(json.dumps(row) + "\n")
    print("size  val SRCC  val PLCC  photos/s (24 MP, C engine)")
    for r in rows:
        print(f"{r['size']:4d}  {r['val_srcc']:.4f}    {r['val_plcc']:.4f}    {r['photos_per_s']}")


if __name__ == "__main__":
    main()
