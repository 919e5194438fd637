"""tfbiggan: BigGAN and BigGAN-deep for TensorFlow 2 / Keras 3."""

import setuptools

INSTALL_REQUIRES = [
    "tensorflow==2.21.*",
    "keras>=3.10,<4",
    "tensorflow-hub==0.16.*",
    "tf-keras==2.21.*",  # hub.KerasLayer needs Keras 2 (tf-keras).
    "setuptools<82",  # tensorflow_hub 0.16 imports pkg_resources.
    "tensorflow-datasets==4.9.*",
    "absl-py>=2.1",
    "numpy>=1.26",
    "pillow>=10",
    "tensorboard==2.20.*",  # tf.summary needs it; TF 2.21 no longer installs it.
    "scikit-learn>=1.4",  # Ships the handwritten digits of the offline demo.
    "matplotlib>=3.8",  # The truncation-curve plot of tfbiggan-eval.
]

EXTRAS = {
    # The converter's equality test builds pytorch-pretrained-biggan's model (random weights);
    # torch 2.13.0 is the CPU build the machines hold on disk.
    # nbclient / ipykernel execute the notebooks in CI.
    "test": ["pytest>=8", "scipy>=1.11", "torch==2.13.0", "pytorch-pretrained-biggan==0.1.1",
             "nbclient>=0.10", "nbformat>=5.9", "ipykernel>=6.29"],
    "notebooks": ["notebook", "ipywidgets"],
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
    # `export/` installs as `tfbiggan_export`, so that no top-level `export` is installed.
    packages=setuptools.find_packages(include=["tfbiggan", "tfbiggan.*"]) + ["tfbiggan_export"],
    package_dir={"tfbiggan_export": "export"},
    package_data={"tfbiggan": ["data/*.json", "data/*.tsv"]},
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS,
    entry_points={"console_scripts": [
        "tfbiggan-demo=tfbiggan.demo:run",
        "tfbiggan-train=tfbiggan.training.train_main:run",
        "tfbiggan-export=tfbiggan_export.export_main:run",
        "tfbiggan-sample=tfbiggan_export.sample_main:run",
        "tfbiggan-convert=tfbiggan_export.convert_main:run",
        "tfbiggan-eval=tfbiggan.metrics.eval_main:run",
    ]},
)
