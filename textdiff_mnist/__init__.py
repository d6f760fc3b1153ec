"""textdiff-mnist: text-conditioned diffusion for handwritten digits.

    from textdiff_mnist import generate
    images = generate(["a thick seven", "3"], n=4)   # float tensor (8, 1, 28, 28) in [0, 1]
    strips = write("a thick slanted 2026", n=2)       # float tensor (2, 1, 28, W): a number in one hand
"""
__version__ = "0.3.0"      # semantic versioning; what changed in each release: CHANGELOG.md

_API = {'generate': 'generation', 'labelled_grid': 'generation', 'to_pil': 'generation', 'save_samples': 'generation',
        'expand_prompts': 'generation', 'GenerationError': 'generation', 'load_model': 'checkpoint', 'GeneratorUI': 'ui',
        'write': 'numbers'}

def __getattr__(name):
    # the public API, imported on first use so that `import textdiff_mnist` stays light
    if name in _API:
        import importlib
        return getattr(importlib.import_module(f'{__name__}.{_API[name]}'), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = list(_API)
