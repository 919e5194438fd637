"""tfbiggan: BigGAN and BigGAN-deep for TensorFlow 2 / Keras 3."""

import setuptools

# Ranges, not pins: installed next to another TensorFlow (Colab, a TPU VM image), tfbiggan
# keeps it. The lowest versions are tested too (.ci/oldest-constraints.txt, by .ci/run).
INSTALL_REQUIRES = [
    "tensorflow>=2.16,<3",  # Keras 3 is TensorFlow's Keras from 2.16 on.
    "keras>=3.10,<4",
    "tensorflow-datasets>=4.9.4,<5",
    "absl-py>=2.1",
    "numpy>=1.26",
    "pillow>=10",
    "tensorboard>=2.16,<3",  # tf.summary needs it; TF 2.21 no longer installs it.
    "scikit-learn>=1.4",  # Ships the handwritten digits of the offline demo.
    "matplotlib>=3.8",  # The truncation-curve plot of tfbiggan-eval.
]

HUB = ["tensorflow-hub>=0.16.1,<1", "tf-keras>=2.16,<3",
       "setuptools<82"]  # tensorflow_hub 0.16 imports pkg_resources.

EXTRAS = {
    # TF-Hub URLs (TF-GAN's Inception for FID) and hub.KerasLayer. Optional because
    # tensorflow-hub requires tf-keras, which pins its own TensorFlow version.
    "hub": HUB,
    # The converter's equality test builds pytorch-pretrained-biggan's model (random weights).
    # It needs only torch's CPU build: install that first (PyTorch's install page gives the
    # command for its CPU wheel index), or pip may fetch a CUDA build several GB large.
    # nbclient / ipykernel execute the notebooks in CI; xdist spreads the suite over the
    # cores and pytest-timeout ends a test that hangs.
    "test": HUB + ["pytest>=8", "pytest-xdist>=3.5", "pytest-timeout>=2.2", "scipy>=1.11",
                   "torch==2.13.0",
                   "pytorch-pretrained-biggan==0.1.1", "nbclient>=0.10", "nbformat>=5.9",
                   "ipykernel>=6.29",
                   # The explorer's page, driven in the system's chromium (never downloaded).
                   "gradio>=5,<7", "playwright>=1.40"],
    "notebooks": HUB + ["notebook", "ipywidgets"],
    # tfbiggan-explore's web page (Gradio ships its front end; it runs offline).
    "explore": ["gradio>=5,<7"],
    # The smoke tests on the lowest supported versions (scripts/test_oldest.sh).
    "smoke": ["pytest>=8", "pytest-xdist>=3.5", "pytest-timeout>=2.2"],
    # Independent implementations the reference checks compare against.
    "reference": ["torch==2.13.0", "pytorch-pretrained-biggan==0.1.1", "scipy>=1.11"],
}

setuptools.setup(
    name="tfbiggan",
    version="0.1.0",
    description="BigGAN and BigGAN-deep (Brock et al., ICLR 2019) in TensorFlow 2 / Keras 3",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    # Two packages: `tfbiggan` (the library and, in tfbiggan.cli, the commands) and
    # `tfbiggan_export` (writing modules: exporter, converter), whose source is the folder
    # `export/`. tfbiggan_export imports tfbiggan; of tfbiggan only tfbiggan.cli imports it.
    packages=setuptools.find_packages(include=["tfbiggan", "tfbiggan.*"]) + ["tfbiggan_export"],
    package_dir={"tfbiggan_export": "export"},
    package_data={"tfbiggan": ["data/*.json", "data/*.tsv"]},
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS,
    entry_points={"console_scripts": [
        "tfbiggan-demo=tfbiggan.cli.demo:run",
        "tfbiggan-train=tfbiggan.cli.train:run",
        "tfbiggan-export=tfbiggan.cli.export:run",
        "tfbiggan-sample=tfbiggan.cli.sample:run",
        "tfbiggan-interpolate=tfbiggan.cli.interpolate:run",
        "tfbiggan-project=tfbiggan.cli.project:run",
        "tfbiggan-explore=tfbiggan.cli.explore:run",
        "tfbiggan-convert=tfbiggan.cli.convert:run",
        "tfbiggan-eval=tfbiggan.cli.evaluate:run",
    ]},
)
