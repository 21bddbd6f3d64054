"""The seeds' examples of media and tables, run as written: images (arrays, PIL, paths, masks,
boxes, captions, lists), video, audio, histograms (in history and summary), Html, Molecule, tables
(rows, add_data, DataFrames, ``MAX_ROWS``), and the examples that log several of them at once.

Each snippet is verbatim (seed file and line noted; ``test_seed_coverage`` checks the copies) and
runs through the shim after the test defines what the document leaves undefined; each run is
validated (``reader.problems``) and read back through real decoders (Pillow, soundfile, pandas).

Examples that cannot run as printed, and the smallest repair each test applies after showing it:

* masks (000 line 60, 001 line 51): the first line is a placeholder array and the mask dict holds
  a bare ``...`` (does not parse): the user's mask is defined, the "groud_truth" layer's ``...`` is
  filled with its mask and labels, the last ``...`` (more layers) is dropped.
* bounding boxes (000 line 91, 001 line 82): ``....`` in the labels dict (does not parse; dropped);
  then the ``...`` placeholders give our clear error, and are filled with a second box and a
  "ground_truth" layer. 001 also misses the closing ``)`` of its last line (added).
* Molecule (000 line 208, 001 line 197): the closing ``)`` is missing (added).
* "Log a PNG" (000 line 645, 001 line 489): ``wandb.Image(...)`` is a placeholder (our clear error
  names it; replaced by ``img``); 001 also calls ``wandb.lig`` (a typo for ``wandb.log``).
* "Log a JPEG" (000 line 655, 001 line 499): ``PIL.fromarray(...)`` does not exist in Pillow
  (``PIL.Image.fromarray``) and ``...`` is a placeholder.
* ``wandb.Table.MAX_ROWS = {DESIRED_MAX}`` (000 line 172): as printed it sets a set, which the
  next table refuses with a clear error; the braces are the placeholder's.
"""

from __future__ import annotations

import io
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image
import pytest

import mediatypes as mt
from mediatypes.errors import InvalidTypeError
from mediatypes.runs.history import RunWarning

from .snippets import (
    FIX,
    S0,
    S1,
    S2,
    S4,
    SeedRun,
    Snippet,
    does_not_parse,
    execute,
    finished,
    logged,
    repair,
    run_snippet,
    where,
)

# wandb.Histogram from a sequence, and from np.histogram into the summary: 000 line 36, 001 line 27
HISTOGRAMS = Snippet(
    [(S0, 36), (S1, 27)],
    """\
wandb.log({"gradients": wandb.Histogram(numpy_array_or_sequence)})
wandb.run.summary.update({"gradients": wandb.Histogram(np_histogram=np.histogram(data))})
""",
)

# wandb.Image of an array or PIL image with a caption, inline code: 000 line 48, 001 line 39
IMAGES_INLINE = Snippet(
    [(S0, 48), (S1, 39)],
    'wandb.log({"examples": [wandb.Image(numpy_array_or_pil, caption="Label")]})',
    form="inline",
)

# the same as a code block: 004 line 33
IMAGES_BLOCK = Snippet(
    [(S4, 33)],
    """\
wandb.log({"examples": [wandb.Image(numpy_array_or_pil, caption="Label")]})
""",
)

# segmentation masks; does not parse (placeholders): 000 line 60, 001 line 51
MASKS = Snippet(
    [(S0, 60), (S1, 51)],
    """\
mask_data = np.array([[1, 2, 2, ... , 2, 2, 1], ...])

class_labels = {
  1: "tree",
  2: "car",
  3: "road"
}

mask_img = wandb.Image(image, masks={
  "predictions": {
    "mask_data": mask_data,
    "class_labels": class_labels
  },
  "groud_truth": {
    ...
  },
  ...
})
""",
)

# bounding boxes; does not parse (`....`): 000 line 91
BOXES = Snippet(
    [(S0, 91)],
    """\
class_id_to_label = {
    1: "car",
    2: "road",
    3: "building",
    ....
}

img = wandb.Image(image, boxes={
    "predictions": {
        "box_data": [{
            "position": {
                "minX": 0.1,
                "maxX": 0.2,
                "minY": 0.3,
                "maxY": 0.4,
            },
            "class_id" : 2,
            "box_caption": "minMax(pixel)",
            "scores" : {
                "acc": 0.1,
                "loss": 1.2
            },
        }, 
        # Log as many boxes as needed
        ...
        ],
        "class_labels": class_id_to_label
    },
    "ground_truth": {
    # Log each group of boxes with a unique key name
    ...
    }
})

wandb.log({"driving_scene": img})
""",  # noqa: W291 (trailing spaces are in the seed)
)

# the same, and the last line misses its `)`: 001 line 82
BOXES_001 = Snippet(
    [(S1, 82)],
    """\
class_id_to_label = {
    1: "car",
    2: "road",
    3: "building",
    ....
}

img = wandb.Image(image, boxes={
    "predictions": {
        "box_data": [{
            "position": {
                "minX": 0.1,
                "maxX": 0.2,
                "minY": 0.3,
                "maxY": 0.4,
            },
            "class_id" : 2,
            "box_caption": "minMax(pixel)",
            "scores" : {
                "acc": 0.1,
                "loss": 1.2
            },
        }, 
        # Log as many boxes as needed
        ...
        ],
        "class_labels": class_id_to_label
    },
    "ground_truth": {
    # Log each group of boxes with a unique key name
    ...
    }
})

wandb.log({"driving_scene": img}
""",  # noqa: W291 (trailing spaces are in the seed)
)

# "Log a PNG"; `wandb.Image(...)` is a placeholder: 000 line 645
LOG_PNG = Snippet(
    [(S0, 645)],
    """\
wandb.log({"example": wandb.Image(...)})
# Or multiple images
wandb.log({"example": [wandb.Image(...) for img in images]})
""",
)

# the same with `wandb.lig`: 001 line 489
LOG_PNG_001 = Snippet(
    [(S1, 489)],
    """\
wandb.log({"example": wandb.Image(...)})
# Or multiple images
wandb.lig({"example": [wandb.Image(...) for img in images]})
""",
)

# "Log a JPEG"; `PIL.fromarray(...)`: 000 line 655, 001 line 499
LOG_JPEG = Snippet(
    [(S0, 655), (S1, 499)],
    """\
im = PIL.fromarray(...)
rgb_im = im.convert('RGB')
rgb_im.save('myimage.jpg')
wandb.log({"example": wandb.Image("myimage.jpg")})
""",
)

# wandb.Audio of an array: 000 line 155, 001 line 146
AUDIO = Snippet(
    [(S0, 155), (S1, 146)],
    """\
wandb.log({"examples": [wandb.Audio(numpy_array, caption="Nice", sample_rate=32)]})
""",
)

# wandb.Video of an array or a path: 000 line 163, 001 line 154
VIDEO = Snippet(
    [(S0, 163), (S1, 154)],
    """\
wandb.log({"video": wandb.Video(numpy_array_or_path_to_video, fps=4, format="gif")})
""",
)

# "Log a Video" from a file: 000 line 664, 001 line 508
LOG_VIDEO = Snippet(
    [(S0, 664), (S1, 508)],
    """\
wandb.log({"example": wandb.Video("myvideo.mp4")})
""",
)

# wandb.Html from a file and a string: 000 line 195, 001 line 184
HTML = Snippet(
    [(S0, 195), (S1, 184)],
    """\
wandb.log({"custom_file": wandb.Html(open("some.html"))})
wandb.log({"custom_string": wandb.Html('<a href="https://mysite">Link</a>')})
""",
)

# wandb.Html without injected styles: 000 line 202, 001 line 191
HTML_NO_INJECT = Snippet(
    [(S0, 202), (S1, 191)],
    """\
wandb.log({"custom_file": wandb.Html(open("some.html"), inject=False)})
""",
)

# wandb.Molecule from a file; the closing `)` is missing: 000 line 208, 001 line 197
MOLECULE = Snippet(
    [(S0, 208), (S1, 197)],
    """\
wandb.log({"protein": wandb.Molecule(open("6lu7.pdb"))}
""",
)

# wandb.Table, two ways: 000 line 175
TABLE_METHODS = Snippet(
    [(S0, 175)],
    """\
# Method 1
data = [["I love my phone", "1", "1"],["My phone sucks", "0", "-1"]]
wandb.log({"examples": wandb.Table(data=data, columns=["Text", "Predicted Label", "True Label"])})

# Method 2
table = wandb.Table(columns=["Text", "Predicted Label", "True Label"])
table.add_data("I love my phone", "1", "1")
table.add_data("My phone sucks", "0", "-1")
wandb.log({"examples": table})
""",
)

# the same and a DataFrame: 001 line 167
TABLE_METHODS_001 = Snippet(
    [(S1, 167)],
    """\
# Method 1
data = [["I love my phone", "1", "1"],["My phone sucks", "0", "-1"]]
wandb.log({"examples": wandb.Table(data=data, columns=["Text", "Predicted Label", "True Label"])})

# Method 2
table = wandb.Table(columns=["Text", "Predicted Label", "True Label"])
table.add_data("I love my phone", "1", "1")
table.add_data("My phone sucks", "0", "-1")
wandb.log({"examples": table})

# For pandas Dataframe
table = wandb.Table(dataframe=my_dataframe)
""",
)

# wandb.Table of a DataFrame: 000 line 189
TABLE_DATAFRAME = Snippet(
    [(S0, 189)],
    """\
table = wandb.Table(dataframe=my_dataframe)
""",
)

# raising the row limit, inline code in prose: 000 line 172
MAX_ROWS = Snippet([(S0, 172)], "wandb.Table.MAX_ROWS = {DESIRED_MAX}", form="inline")

# several media in one row: 002 line 12
EXAMPLE_USAGE = Snippet(
    [(S2, 12)],
    """\
wandb.log({"loss": 0.314, "epoch": 5,
           "inputs": wandb.Image(inputs),
           "logits": wandb.Histogram(ouputs),
           "captions": wandb.Html(captions)})
""",
)

# images and metrics with spaces in their names: 000 line 710, 001 line 554
CONTROL_UPLOADS = Snippet(
    [(S0, 710), (S1, 554)],
    """\
wandb.log({
        "Examples": example_images,
        "Test Accuracy": 100. * correct / len(test_loader.dataset),
        "Test Loss": test_loss})
""",
)

SNIPPETS = {name: value for name, value in dict(globals()).items() if isinstance(value, Snippet)}


# ------------------------------------------------------------------------------------ helpers


def png_pixels(reader: Any, manifest: dict[str, Any]) -> np.ndarray:
    """Decode the PNG a manifest points at with Pillow."""
    with PIL.Image.open(io.BytesIO(reader.read_bytes(manifest["path"]))) as im:
        assert im.format == "PNG"
        return np.asarray(im)


def copy_fixture(src: Path, name: str) -> None:
    shutil.copyfile(src, Path(name))  # into the example's working folder


# -------------------------------------------------------------------------------- histograms


@pytest.mark.parametrize("kind", ["list", "array"])
def test_histograms_in_history_and_summary(seed_run: SeedRun, kind: str) -> None:
    rng = np.random.default_rng(1)
    numpy_array_or_sequence: Any = rng.normal(size=500)
    if kind == "list":
        numpy_array_or_sequence = [1, 2, 2, 3, 3, 3, 10]
    data = rng.exponential(size=1000)
    run_snippet(HISTOGRAMS, numpy_array_or_sequence=numpy_array_or_sequence, data=data)
    reader = finished(seed_run)
    logged_hist = logged(reader, "gradients")
    assert logged_hist["_type"] == "histogram" and logged_hist["source"] == "sequence"
    assert len(logged_hist["values"]) == 64 and len(logged_hist["bins"]) == 65  # default bins
    assert sum(logged_hist["values"]) == len(numpy_array_or_sequence)
    expected = np.histogram(numpy_array_or_sequence, bins=64)
    np.testing.assert_array_equal(logged_hist["values"], expected[0])
    np.testing.assert_allclose(logged_hist["bins"], expected[1])
    # the summary value set explicitly wins over the logged one: np.histogram's own binning
    in_summary = reader.summary["gradients"]
    counts, edges = np.histogram(data)
    assert in_summary["_type"] == "histogram" and in_summary["values"] == counts.tolist()
    np.testing.assert_allclose(in_summary["bins"], edges)


# ------------------------------------------------------------------------------------ images

IMAGE_INPUTS = {
    "float rgb in [0, 1]": np.linspace(0, 1, 4 * 6 * 3).reshape(4, 6, 3),
    "gray (H, W, 1) uint8": np.arange(24, dtype=np.uint8).reshape(4, 6, 1) * 10,
    "rgba uint8": np.arange(96, dtype=np.uint8).reshape(4, 6, 4),
    "PIL image": PIL.Image.fromarray(np.arange(72, dtype=np.uint8).reshape(4, 6, 3)),
}


@pytest.mark.parametrize("snippet", [IMAGES_INLINE, IMAGES_BLOCK], ids=["inline", "block"])
@pytest.mark.parametrize("kind", sorted(IMAGE_INPUTS))
def test_images_with_a_caption(seed_run: SeedRun, snippet: Snippet, kind: str) -> None:
    numpy_array_or_pil = IMAGE_INPUTS[kind]
    run_snippet(snippet, numpy_array_or_pil=numpy_array_or_pil)
    reader = finished(seed_run)
    listed = logged(reader, "examples")
    assert listed["_type"] == "media-list" and len(listed["items"]) == 1
    item = listed["items"][0]
    assert (item["_type"], item["caption"], item["width"], item["height"]) == (
        "image-file",
        "Label",
        6,
        4,
    )
    pixels = png_pixels(reader, item)
    if kind.startswith("float"):  # floats in [0, 1] are scaled by 255, rounded half up
        expected = np.floor(numpy_array_or_pil * 255 + 0.5).astype(np.uint8)
    else:
        expected = np.asarray(numpy_array_or_pil)
    if kind.startswith("gray"):  # gray scale when the last dimension is 1
        expected = expected[..., 0]
    np.testing.assert_array_equal(pixels, expected)


def test_masks(seed_run: SeedRun) -> None:
    does_not_parse(MASKS.code)
    placeholder, rest = MASKS.code.split("\n", 1)
    assert placeholder == "mask_data = np.array([[1, 2, 2, ... , 2, 2, 1], ...])"
    # the placeholder line is the user's mask, its "..." filled with 2s
    mask_data = np.array([[1, 2, 2, 2, 2, 2, 1], [1, 3, 3, 3, 3, 3, 1], [3, 3, 3, 3, 3, 3, 3]])
    ground_truth = np.where(mask_data == 2, 1, mask_data)
    image = np.zeros((3, 7, 3), np.uint8)
    # repair: the "groud_truth" layer's "..." stands for its mask and labels (filled), the last
    # "..." for more layers (dropped)
    rest = repair(
        rest,
        '  "groud_truth": {\n    ...\n  },\n  ...\n})',
        '  "groud_truth": {\n    "mask_data": ground_truth,\n    "class_labels": class_labels\n  },\n})',
    )
    namespace = execute(
        rest, where(MASKS, "repaired"), image=image, mask_data=mask_data, ground_truth=ground_truth
    )
    # the example builds the image; a user logs it next
    mt.log({"mask_img": namespace["mask_img"]})
    reader = finished(seed_run)
    manifest = logged(reader, "mask_img")
    labels = {"1": "tree", "2": "car", "3": "road"}
    for layer, ids in [("predictions", mask_data), ("groud_truth", ground_truth)]:
        mask = manifest["masks"][layer]
        assert mask["class_labels"] == labels
        np.testing.assert_array_equal(png_pixels(reader, mask["file"]), ids)
    np.testing.assert_array_equal(png_pixels(reader, manifest), image)


SECOND_BOX = """{
            "position": {"middle": [10, 8], "width": 4, "height": 6},
            "domain": "pixel",
            "class_id": 3,
        },"""
GROUND_TRUTH_BOXES = """"box_data": [{"position": {"minX": 0.1, "maxX": 0.25, "minY": 0.3, "maxY": 0.45},
                  "class_id": 2}],
    "class_labels": class_id_to_label"""


@pytest.mark.parametrize("snippet", [BOXES, BOXES_001], ids=["000", "001"])
def test_bounding_boxes(seed_run: SeedRun, snippet: Snippet) -> None:
    image = np.full((16, 20, 3), 80, np.uint8)
    does_not_parse(snippet.code)
    # repair 1: the labels dict's "...." line (more labels) is dropped; 001 also gets its ")"
    code = repair(snippet.code, '    3: "building",\n    ....\n', '    3: "building",\n')
    if snippet is BOXES_001:
        does_not_parse(code)
        code = repair(
            code, 'wandb.log({"driving_scene": img}\n', 'wandb.log({"driving_scene": img})\n'
        )
    # it runs now, and each "..." placeholder is a clear error that names where it is
    with pytest.raises(
        InvalidTypeError, match=r"boxes\[\'predictions\'\]\[\'box_data\'\]\[1\].*ellipsis"
    ):
        execute(code, where(snippet, "labels repaired"), image=image)
    # repair 2: the placeholders filled: a second box (the other position form, in pixels) and
    # the boxes of the "ground_truth" layer
    code = repair(code, "        ...\n        ],", "        " + SECOND_BOX + "\n        ],")
    with pytest.raises(
        InvalidTypeError, match=r"`boxes\[\'ground_truth\'\]` expects a dict .* got set"
    ):
        execute(code, where(snippet, "one placeholder left"), image=image)
    code = repair(code, "    ...\n    }\n})", "    " + GROUND_TRUTH_BOXES + "\n    }\n})")
    execute(code, where(snippet, "repaired"), image=image)
    reader = finished(seed_run)
    manifest = logged(reader, "driving_scene")
    labels = {"1": "car", "2": "road", "3": "building"}
    predictions = manifest["boxes"]["predictions"]
    assert predictions["class_labels"] == labels
    assert predictions["box_data"] == [
        {
            "position": {"minX": 0.1, "maxX": 0.2, "minY": 0.3, "maxY": 0.4},
            "domain": "fraction",  # the reference's default "percentage"
            "class_id": 2,
            "box_caption": "minMax(pixel)",
            "scores": {"acc": 0.1, "loss": 1.2},
        },
        {
            "position": {"minX": 8.0, "maxX": 12.0, "minY": 5.0, "maxY": 11.0},
            "domain": "pixel",
            "class_id": 3,
        },
    ]
    assert manifest["boxes"]["ground_truth"]["box_data"][0]["class_id"] == 2
    np.testing.assert_array_equal(png_pixels(reader, manifest), image)


@pytest.mark.parametrize("snippet", [LOG_PNG, LOG_PNG_001], ids=["000", "001"])
def test_log_a_png(seed_run: SeedRun, snippet: Snippet) -> None:
    img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    images = [img, img.T.copy(), np.full((2, 2, 3), 200, np.uint8)]
    # as printed: "..." is a placeholder, and our error says what Image expected instead
    with pytest.raises(InvalidTypeError, match=r"Image: `data` expects .* got ellipsis"):
        run_snippet(snippet, images=images)
    code = snippet.code
    if snippet is LOG_PNG_001:
        code = repair(code, "wandb.lig(", "wandb.log(")  # a typo: the shim has no "lig" either
    # repair: the placeholder is the image (the comprehension's `img` in the second call)
    code = code.replace("wandb.Image(...)", "wandb.Image(img)")
    # the two calls are alternatives printed together: run as written, the key changes its kind
    with pytest.warns(RunWarning, match="`example` changed its kind of value"):
        execute(code, where(snippet, "repaired"), img=img, images=images)
    reader = finished(seed_run)
    single, listed = (row["example"] for row in reader.history(keys=["example"]))
    np.testing.assert_array_equal(png_pixels(reader, single), img)
    assert [item["format"] for item in listed["items"]] == ["png"] * 3  # PNG by default
    for item, expected in zip(listed["items"], images, strict=True):
        np.testing.assert_array_equal(png_pixels(reader, item), expected)


def test_log_a_jpeg(seed_run: SeedRun) -> None:
    pixels = np.dstack([np.full((8, 8), 255, np.uint8)] * 3 + [np.full((8, 8), 128, np.uint8)])
    # as printed: Pillow has no PIL.fromarray (it is PIL.Image.fromarray)
    with pytest.raises(AttributeError, match="fromarray"):
        run_snippet(LOG_JPEG, PIL=PIL)
    # repair: the function's full name, and the placeholder "..." is the user's RGBA pixels
    code = repair(LOG_JPEG.code, "PIL.fromarray(...)", "PIL.Image.fromarray(pixels)")
    execute(code, where(LOG_JPEG, "repaired"), PIL=PIL, pixels=pixels)
    reader = finished(seed_run)
    manifest = logged(reader, "example")
    assert (manifest["format"], manifest["width"], manifest["height"]) == ("jpeg", 8, 8)
    # the JPEG is stored byte-for-byte, as the user wrote it
    assert reader.read_bytes(manifest["path"]) == Path("myimage.jpg").read_bytes()
    with PIL.Image.open(io.BytesIO(reader.read_bytes(manifest["path"]))) as im:
        assert im.format == "JPEG" and im.mode == "RGB"
        assert np.abs(np.asarray(im).astype(int) - 255).max() <= 2


# ------------------------------------------------------------------------------ audio, video


def test_audio(seed_run: SeedRun) -> None:
    sf = pytest.importorskip("soundfile")
    numpy_array = np.sin(np.arange(64) / 3) * 0.8  # 2 s at the example's 32 Hz
    run_snippet(AUDIO, numpy_array=numpy_array)
    reader = finished(seed_run)
    item = logged(reader, "examples")["items"][0]
    assert (item["_type"], item["caption"], item["sample_rate"]) == ("audio-file", "Nice", 32)
    samples, rate = sf.read(io.BytesIO(reader.read_bytes(item["path"])))
    assert rate == 32 and samples.shape == (64,)
    np.testing.assert_allclose(samples, numpy_array, atol=1 / 32767)  # 16-bit PCM


VIDEO_INPUTS = {
    "array": np.arange(4 * 6 * 8, dtype=np.uint8).reshape(4, 1, 6, 8) * 5,  # (T, C, H, W)
    "gif path": FIX / "video" / "tiny.gif",
    "mp4 path": FIX / "video" / "tiny.mp4",
}


@pytest.mark.parametrize("kind", sorted(VIDEO_INPUTS))
def test_video(seed_run: SeedRun, kind: str) -> None:
    numpy_array_or_path_to_video = VIDEO_INPUTS[kind]
    if kind == "mp4 path":
        pytest.importorskip("av")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_snippet(VIDEO, numpy_array_or_path_to_video=numpy_array_or_path_to_video)
    messages = [str(w.message) for w in caught]
    reader = finished(seed_run)
    manifest = logged(reader, "video")
    stored = reader.read_bytes(manifest["path"])
    if kind == "array":  # 4 fps GIF, gray frames kept exactly
        assert messages == []
        assert (manifest["format"], manifest["fps"], manifest["frames"]) == ("gif", 4.0, 4)
        with PIL.Image.open(io.BytesIO(stored)) as im:
            frames = []
            for i in range(im.n_frames):
                im.seek(i)
                frames.append(np.asarray(im.convert("L")))
        np.testing.assert_array_equal(np.stack(frames), numpy_array_or_path_to_video[:, 0])
    else:  # files are kept byte-for-byte; an mp4 is not turned into the gif asked for
        assert isinstance(numpy_array_or_path_to_video, Path)
        assert stored == numpy_array_or_path_to_video.read_bytes()
        assert manifest["fps"] == 4.0 and manifest["format"] == kind[:3]
        ignored = ["format='gif' (the file is mp4)"] if kind == "mp4 path" else []
        assert [m for m in ignored if not any(m in x for x in messages)] == []
        assert len(messages) == len(ignored)


def test_log_a_video_file(seed_run: SeedRun) -> None:
    pytest.importorskip("av")
    copy_fixture(FIX / "video" / "tiny.mp4", "myvideo.mp4")
    run_snippet(LOG_VIDEO)
    reader = finished(seed_run)
    manifest = logged(reader, "example")
    assert (manifest["format"], manifest["codec"], manifest["frames"]) == ("mp4", "h264", 4)
    assert reader.read_bytes(manifest["path"]) == Path("myvideo.mp4").read_bytes()
    iio = pytest.importorskip("imageio.v3")
    frames = iio.imread(io.BytesIO(reader.read_bytes(manifest["path"])), extension=".mp4")
    assert frames.shape[:3] == (4, 24, 40)


# ------------------------------------------------------------------------- html, molecule


def test_html(seed_run: SeedRun) -> None:
    copy_fixture(FIX / "html" / "fragment.html", "some.html")
    original = Path("some.html").read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # the example never closes the file
        run_snippet(HTML)
        run_snippet(HTML_NO_INJECT)
    reader = finished(seed_run)
    injected, untouched = (row["custom_file"] for row in reader.history(keys=["custom_file"]))
    assert injected["injected"] is True and untouched["injected"] is False
    assert reader.read_bytes(untouched["path"]).decode() == original
    with_styles = reader.read_bytes(injected["path"]).decode()
    assert "<style" in with_styles and original.strip() in with_styles
    link = logged(reader, "custom_string")
    assert '<a href="https://mysite">Link</a>' in reader.read_bytes(link["path"]).decode()


def test_molecule(seed_run: SeedRun) -> None:
    copy_fixture(FIX / "molecule" / "water.pdb", "6lu7.pdb")  # a small PDB under the example's name
    does_not_parse(MOLECULE.code)
    # repair: the closing ")" of wandb.log(...)
    code = repair(MOLECULE.code, 'open("6lu7.pdb"))}\n', 'open("6lu7.pdb"))})\n')
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # the example never closes the file
        execute(code, where(MOLECULE, "')' added"))
    reader = finished(seed_run)
    manifest = logged(reader, "protein")
    assert (manifest["_type"], manifest["format"], manifest["num_atoms"]) == (
        "molecule-file",
        "pdb",
        3,
    )
    assert reader.read_bytes(manifest["path"]) == Path("6lu7.pdb").read_bytes()
    Chem = pytest.importorskip("rdkit.Chem")
    mol = Chem.MolFromPDBBlock(reader.read_bytes(manifest["path"]).decode(), removeHs=False)
    assert mol is not None and mol.GetNumAtoms() == 3


# ------------------------------------------------------------------------------------ tables

TEXT_ROWS = [["I love my phone", "1", "1"], ["My phone sucks", "0", "-1"]]
TEXT_COLUMNS = ["Text", "Predicted Label", "True Label"]


@pytest.mark.parametrize("snippet", [TABLE_METHODS, TABLE_METHODS_001], ids=["000", "001"])
def test_tables_two_ways(seed_run: SeedRun, snippet: Snippet) -> None:
    pd = pytest.importorskip("pandas")
    my_dataframe = pd.DataFrame({"text": ["great", "awful"], "score": [0.9, 0.1]})
    namespace = run_snippet(snippet, my_dataframe=my_dataframe)
    reader = finished(seed_run)
    steps = [row["_step"] for row in reader.history(keys=["examples"])]
    assert len(steps) == 2  # one row per log() call
    for step in steps:
        table = reader.media("examples", step=step)
        assert table.columns == TEXT_COLUMNS and table.data == TEXT_ROWS
        assert set(table.column_types.values()) == {"string"}  # the labels are strings, as written
    if snippet is TABLE_METHODS_001:  # the DataFrame table is built, not logged
        table = namespace["table"]
        assert table.columns == ["text", "score"]
        assert table.data == [["great", 0.9], ["awful", 0.1]]


def test_table_from_a_dataframe(seed_run: SeedRun) -> None:
    pd = pytest.importorskip("pandas")
    my_dataframe = pd.DataFrame(
        {"text": ["great", "awful", None], "score": [0.9, 0.1, 0.5], "ok": [True, False, True]}
    )
    namespace = run_snippet(TABLE_DATAFRAME, my_dataframe=my_dataframe)
    mt.log({"table": namespace["table"]})  # the example builds it; a user logs it next
    reader = finished(seed_run)
    manifest = logged(reader, "table")
    assert (manifest["nrows"], manifest["ncols"]) == (3, 3)
    back = reader.media("table")
    assert back.columns == ["text", "score", "ok"]
    assert back.data == [["great", 0.9, True], ["awful", 0.1, False], [None, 0.5, True]]
    frame = back.get_dataframe()
    assert list(frame.columns) == ["text", "score", "ok"]
    assert frame["score"].tolist() == [0.9, 0.1, 0.5] and frame["ok"].tolist() == [
        True,
        False,
        True,
    ]


def test_max_rows(seed_run: SeedRun, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mt.Table, "MAX_ROWS", mt.Table.MAX_ROWS)  # restored after the test
    DESIRED_MAX = 20_000
    # as printed, the placeholder's braces make a set; the next table says what to write instead
    run_snippet(MAX_ROWS, DESIRED_MAX=DESIRED_MAX)
    limit: Any = mt.Table.MAX_ROWS
    assert limit == {20_000}
    with pytest.raises(InvalidTypeError, match=r"Drop the braces: `Table.MAX_ROWS = 20000`"):
        mt.Table(columns=["i"], data=[[0]])
    # repair: without the braces
    execute(
        repair(MAX_ROWS.code, "{DESIRED_MAX}", "DESIRED_MAX"),
        where(MAX_ROWS, "no braces"),
        DESIRED_MAX=DESIRED_MAX,
    )
    mt.log({"big": mt.Table(columns=["i"], data=[[i] for i in range(10_001)])})
    reader = finished(seed_run)
    assert logged(reader, "big")["nrows"] == 10_001  # nothing truncated
    assert reader.media("big").get_column("i")[-3:] == [9_998, 9_999, 10_000]


# ------------------------------------------------------------------------ several at once


def test_several_media_in_one_row(seed_run: SeedRun) -> None:
    rng = np.random.default_rng(2)
    inputs = rng.random((8, 8))
    ouputs = rng.normal(size=300)  # (sic: the example's name)
    captions = "<p>a cat on a mat</p>"
    run_snippet(EXAMPLE_USAGE, inputs=inputs, ouputs=ouputs, captions=captions)
    reader = finished(seed_run)
    (row,) = reader.rows()
    assert (row["loss"], row["epoch"]) == (0.314, 5)
    assert (row["inputs"]["_type"], row["logits"]["_type"], row["captions"]["_type"]) == (
        "image-file",
        "histogram",
        "html-file",
    )
    np.testing.assert_array_equal(
        png_pixels(reader, row["inputs"]), np.floor(inputs * 255 + 0.5).astype(np.uint8)
    )
    assert sum(row["logits"]["values"]) == 300
    assert captions in reader.read_bytes(row["captions"]["path"]).decode()


def test_images_and_metrics_named_with_spaces(seed_run: SeedRun) -> None:
    example_images = [mt.Image(np.full((4, 4), v, np.uint8), caption=f"#{v}") for v in (0, 255)]
    correct, test_loss = 37, 0.42
    test_loader = type("Loader", (), {"dataset": list(range(40))})()  # len(dataset) == 40
    with pytest.warns(RunWarning) as caught:
        run_snippet(
            CONTROL_UPLOADS,
            example_images=example_images,
            correct=correct,
            test_loader=test_loader,
            test_loss=test_loss,
        )
    # names with spaces are kept, with one warning each (other tools may not sort or query them)
    named = sorted(str(w.message).split("'")[1] for w in caught if "metric name" in str(w.message))
    assert named == ["Test Accuracy", "Test Loss"]
    reader = finished(seed_run)
    (row,) = reader.rows()
    assert (row["Test Accuracy"], row["Test Loss"]) == (92.5, 0.42)
    assert [i["caption"] for i in row["Examples"]["items"]] == ["#0", "#255"]
    assert png_pixels(reader, row["Examples"]["items"][1]).max() == 255
