"""Feature benchmarks: each measures one feature against the targets of the issue that added
it. Run one with ``python -m benchmarks.NAME``; they are not installed with numbax.

- autodiff: the cost of reverse mode and the memory checkpointing saves
- vmap: per-example gradients, vmap against a Python loop and hand-written NumPy
- scan: a 1000-step scan, fused body against the interpreter backend and a Python loop
- memory_soak: cached jit calls keep resident memory flat; exits 1 when it grows
- torch_compile: numbax jit against torch.compile on the chains suite's programs (PyTorch needed)

The fused-versus-unfused comparison the README reports is the installed package numbax.bench
(``python -m numbax.bench``); examples/fusion_benchmark.py walks through one of its chains.
"""
