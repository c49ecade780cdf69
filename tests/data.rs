//! Data readers: the shipped NIfTI mask volume agrees with the PNG masks; median-frequency
//! weights on a known case; splits; every bad-input case gives an error naming the file.

mod common;
use lungseg::data::{self, ClassWeighting, Gray8, Slice, Task};
use std::path::Path;

/// A fresh, empty folder for this test's files (removed when the test ends).
fn tmp(name: &str) -> common::Scratch {
    let d = common::scratch("data", name);
    std::fs::create_dir_all(&*d).unwrap();
    d
}

#[test]
fn shipped_nifti_mask_agrees_with_the_png_masks() {
    let root = data::shipped_dir();
    let vol = data::read_nifti(&root.join("nifti").join("tr_mask.nii.gz")).expect("shipped NIfTI loads");
    assert_eq!(vol.data.dim(), (512, 512, 100));
    let mut agree = 0u64;
    let mut total = 0u64;
    for z in [0usize, 17, 42, 99] {
        let png = data::read_png_gray(&root.join("mask/multi/256").join(format!("tr_mask_z{:03}.png", z + 1))).unwrap();
        let labels = data::labels_from_mask(&png, Task::Multi, Path::new("png")).unwrap();
        for r in 0..256 {
            for c in 0..256 {
                // PNG (r, c) at 256 ↔ volume (2r, 2c, z): row = first axis.
                agree += (vol.data[[2 * r, 2 * c, z]] as u32 == labels[r * 256 + c]) as u64;
                total += 1;
            }
        }
    }
    let share = agree as f64 / total as f64;
    assert!(share > 0.98, "NIfTI and PNG masks agree on {:.2}% of pixels", 100.0 * share);
}

#[test]
fn shipped_png_class_counts_match_the_dataset_readme() {
    let slices = data::load_medseg(&data::shipped_dir(), Task::Multi).unwrap();
    assert_eq!(slices.len(), 100);
    let mut counts = [0u64; 4];
    for s in &slices {
        for &l in &s.labels {
            counts[l as usize] += 1;
        }
    }
    assert_eq!(counts, [6_098_507, 299_217, 147_271, 8_605]);
}

#[test]
fn median_frequency_weights_on_a_known_case() {
    // Image A (4 px): classes 0,0,0,1. Image B (4 px): 0,0,2,2. Class 3 absent.
    let a = Slice { name: "a".into(), height: 2, width: 2, image: vec![0.0; 4], labels: vec![0, 0, 0, 1] };
    let b = Slice { name: "b".into(), height: 2, width: 2, image: vec![0.0; 4], labels: vec![0, 0, 2, 2] };
    let w = data::median_frequency_weights(&[&a, &b], 4);
    // freq0 = 5/8, freq1 = 1/4, freq2 = 2/4; median of {0.25, 0.5, 0.625} = 0.5.
    let want = [0.5 / 0.625, 0.5 / 0.25, 1.0, 0.0];
    for (g, w) in w.iter().zip(want) {
        assert!((*g as f64 - w).abs() < 1e-6, "{g} vs {w}");
    }
}

#[test]
fn class_weightings_follow_their_definitions() {
    let a = Slice { name: "a".into(), height: 2, width: 2, image: vec![0.0; 4], labels: vec![0, 0, 0, 1] };
    let b = Slice { name: "b".into(), height: 2, width: 2, image: vec![0.0; 4], labels: vec![0, 0, 2, 2] };
    let median = data::median_frequency_weights(&[&a, &b], 4);
    let sqrt = "sqrt-median".parse::<ClassWeighting>().unwrap().weights(&[&a, &b], 4);
    // sqrt(0.8), sqrt(2), 1, 0: the absent class stays at 0, the rare class still weighs most.
    for (s, m) in sqrt.iter().zip(&median) {
        assert!((s - m.sqrt()).abs() < 1e-7, "{s} vs sqrt({m})");
    }
    assert!((sqrt[1] - 2f32.sqrt()).abs() < 1e-6 && sqrt[3] == 0.0);
    assert_eq!("median".parse::<ClassWeighting>().unwrap().weights(&[&a, &b], 4), median);
    assert_eq!("uniform".parse::<ClassWeighting>().unwrap().weights(&[&a, &b], 4), vec![1.0; 4]);
    let err = "inverse".parse::<ClassWeighting>().unwrap_err().to_string();
    assert!(err.contains("inverse") && err.contains("sqrt-median"), "{err}");
}

#[test]
fn splits_are_disjoint_and_cover_every_image() {
    let s = data::paper_split(100, 3);
    assert_eq!((s.train.len(), s.val.len(), s.test.len()), (72, 10, 18));
    let mut all: Vec<usize> = s.train.iter().chain(&s.val).chain(&s.test).copied().collect();
    all.sort();
    assert_eq!(all, (0..100).collect::<Vec<_>>());
    let mut tested = Vec::new();
    for k in 0..5 {
        let f = data::kfold_split(100, 5, k, 3).unwrap();
        assert_eq!((f.train.len(), f.val.len(), f.test.len()), (70, 10, 20));
        let mut one: Vec<usize> = f.train.iter().chain(&f.val).chain(&f.test).copied().collect();
        one.sort();
        assert_eq!(one, (0..100).collect::<Vec<_>>(), "fold {k}: no image in two parts");
        tested.extend(f.test);
    }
    tested.sort();
    assert_eq!(tested, (0..100).collect::<Vec<_>>(), "every image tested exactly once across folds");
}

#[test]
fn augmentation_is_seeded_and_keeps_labels_valid() {
    let s = data::load_medseg(&data::shipped_dir(), Task::Multi).unwrap().remove(0).resized(64);
    let a = data::augment(&s, &mut lungseg::rng::Rng::new(5), 10.0);
    let b = data::augment(&s, &mut lungseg::rng::Rng::new(5), 10.0);
    assert_eq!(a.image, b.image);
    assert_eq!(a.labels, b.labels);
    assert!(a.labels.iter().all(|&l| l < 4));
    assert_ne!(a.image, s.image);
}

fn write_mask(path: &Path, h: usize, w: usize, v: u8) {
    data::write_png_gray(path, &Gray8 { height: h, width: w, pixels: vec![v; h * w] }).unwrap();
}

#[test]
fn bad_png_inputs_name_the_file_and_the_problem() {
    let d = tmp("png");
    let (im, mk) = (d.join("images"), d.join("masks"));
    std::fs::create_dir_all(&im).unwrap();
    std::fs::create_dir_all(&mk).unwrap();
    // Missing folder.
    let e = data::load_png_pairs(&d.join("nope"), &mk, Task::Multi).unwrap_err();
    assert!(matches!(&e, lungseg::Error::Io { path, .. } if path.ends_with("nope")), "{e:?}");
    let e = e.to_string();
    assert!(e.contains("nope") && e.contains("listing a folder"), "{e}");
    // Count mismatch.
    write_mask(&im.join("a.png"), 4, 4, 10);
    write_mask(&im.join("b.png"), 4, 4, 10);
    write_mask(&mk.join("a.png"), 4, 4, 0);
    let e = data::load_png_pairs(&im, &mk, Task::Multi).unwrap_err().to_string();
    assert!(e.contains("2 images but 1 masks"), "{e}");
    // Size mismatch.
    write_mask(&mk.join("b.png"), 5, 4, 0);
    let e = data::load_png_pairs(&im, &mk, Task::Multi).unwrap_err().to_string();
    assert!(e.contains("b.png") && e.contains("5×4"), "{e}");
    // Unknown grey level.
    write_mask(&mk.join("b.png"), 4, 4, 100);
    let e = data::load_png_pairs(&im, &mk, Task::Multi).unwrap_err().to_string();
    assert!(e.contains("b.png") && e.contains("grey level 100"), "{e}");
    // Not a PNG.
    std::fs::write(mk.join("b.png"), b"not a png").unwrap();
    let e = data::load_png_pairs(&im, &mk, Task::Multi).unwrap_err().to_string();
    assert!(e.contains("b.png") && e.contains("PNG"), "{e}");
}

#[test]
fn bad_nifti_inputs_name_the_file_and_the_problem() {
    let d = tmp("nifti");
    // Missing file.
    let e = data::read_nifti(&d.join("missing.nii")).err().unwrap().to_string();
    assert!(e.contains("missing.nii") && e.contains("no such file"), "{e}");
    // Not 3-D.
    let p2 = d.join("flat.nii");
    nifti::writer::WriterOptions::new(&p2).write_nifti(&ndarray::Array2::<f32>::zeros((4, 5))).unwrap();
    let e = data::read_nifti(&p2).err().unwrap().to_string();
    assert!(e.contains("flat.nii") && e.contains("3-D"), "{e}");
    // NaN.
    let pn = d.join("nan.nii");
    let mut a = ndarray::Array3::<f32>::zeros((3, 4, 2));
    a[[1, 2, 1]] = f32::NAN;
    nifti::writer::WriterOptions::new(&pn).write_nifti(&a).unwrap();
    let e = data::read_nifti(&pn).err().unwrap().to_string();
    assert!(e.contains("nan.nii") && e.contains("(1, 2, 1)") && e.contains("NaN"), "{e}");
    // Truncated.
    let pt = d.join("cut.nii");
    nifti::writer::WriterOptions::new(&pt).write_nifti(&ndarray::Array3::<f32>::zeros((8, 8, 8))).unwrap();
    let bytes = std::fs::read(&pt).unwrap();
    std::fs::write(&pt, &bytes[..bytes.len() / 2]).unwrap();
    let e = data::read_nifti(&pt).err().unwrap().to_string();
    assert!(e.contains("cut.nii"), "{e}");
    // Unsupported datatype: patch the datatype field (offset 70) of a valid file to COMPLEX64 (32).
    let pu = d.join("complex.nii");
    nifti::writer::WriterOptions::new(&pu).write_nifti(&ndarray::Array3::<f32>::zeros((2, 2, 2))).unwrap();
    let mut bytes = std::fs::read(&pu).unwrap();
    bytes[70..72].copy_from_slice(&32i16.to_le_bytes());
    std::fs::write(&pu, &bytes).unwrap();
    let e = data::read_nifti(&pu).err().unwrap().to_string();
    assert!(e.contains("complex.nii") && e.contains("datatype"), "{e}");
    // Mask values that are not classes.
    let (pi, pm) = (d.join("im.nii"), d.join("mask.nii"));
    nifti::writer::WriterOptions::new(&pi).write_nifti(&ndarray::Array3::<f32>::zeros((2, 2, 1))).unwrap();
    nifti::writer::WriterOptions::new(&pm).write_nifti(&ndarray::Array3::<f32>::from_elem((2, 2, 1), 7.0)).unwrap();
    let e = data::load_nifti(&pi, &pm, None, Task::Multi, Default::default()).err().unwrap().to_string();
    assert!(e.contains("mask.nii") && e.contains("not a class"), "{e}");
}

/// The browser reads files from memory: a volume (gzip-compressed or not) and a PNG parse from
/// bytes exactly as from disk, and garbage is an error naming what the page called the file.
#[test]
fn volumes_and_slices_read_from_memory_as_from_disk() {
    use std::io::Read;
    let root = data::shipped_dir();
    let path = root.join("nifti").join("tr_mask.nii.gz");
    let from_disk = data::read_nifti(&path).expect("shipped NIfTI loads");
    let gz = std::fs::read(&path).unwrap();
    let from_gz = data::nifti_from_bytes(&gz, Path::new("dropped.nii.gz")).expect("gzip bytes parse");
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut raw).unwrap();
    let from_raw = data::nifti_from_bytes(&raw, Path::new("dropped.nii")).expect("plain bytes parse");
    assert_eq!(from_disk.data, from_gz.data);
    assert_eq!(from_disk.data, from_raw.data);
    let e = data::nifti_from_bytes(b"not a volume", Path::new("dropped.nii")).err().unwrap().to_string();
    assert!(e.contains("dropped.nii") && e.contains("not a readable NIfTI"), "{e}");
    let e = data::nifti_from_bytes(&raw[..raw.len() / 2], Path::new("cut.nii")).err().unwrap().to_string();
    assert!(e.contains("cut.nii"), "{e}");

    let png = root.join("im").join("256").join("i001.png");
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(data::read_png_gray(&png).unwrap(), data::png_gray_from_bytes(&bytes, Path::new("i001.png")).unwrap());
    let e = data::png_gray_from_bytes(&bytes[..100], Path::new("cut.png")).err().unwrap().to_string();
    assert!(e.contains("cut.png"), "{e}");
}

/// A synthetic lung-masked slice with its mask drawn in it: a square "lung" (0.3) holding a disc
/// (1.0, label 1) and a bar (label 2, 0.6), zero outside. Any augmentation must move image and
/// labels together: away from edges, a pixel's label is read back from its intensity.
fn drawn_slice(n: usize) -> Slice {
    let mut image = vec![0.0f32; n * n];
    let mut labels = vec![0u32; n * n];
    let c = n as f64 / 2.0;
    for i in 0..n {
        for j in 0..n {
            let (y, x) = (i as f64 - c + 0.5, j as f64 - c + 0.5);
            if x.abs() < 0.35 * n as f64 && y.abs() < 0.35 * n as f64 {
                image[i * n + j] = 0.3;
                if (x - 0.08 * n as f64).powi(2) + (y + 0.1 * n as f64).powi(2) < (0.15 * n as f64).powi(2) {
                    (image[i * n + j], labels[i * n + j]) = (1.0, 1);
                } else if (y - 0.2 * n as f64).abs() < 0.05 * n as f64 && x.abs() < 0.25 * n as f64 {
                    (image[i * n + j], labels[i * n + j]) = (0.6, 2);
                }
            }
        }
    }
    Slice { name: "drawn".into(), height: n, width: n, image, labels }
}

#[test]
fn every_augmentation_keeps_image_and_mask_aligned() {
    use lungseg::data::Augmentation;
    let s = drawn_slice(96);
    let n = 96;
    let levers = [
        Augmentation::paper(10.0),
        Augmentation { max_rotate_deg: 30.0, ..Augmentation::paper(0.0) },
        Augmentation { max_scale: 0.2, ..Augmentation::paper(0.0) },
        Augmentation { max_shear_deg: 10.0, max_rotate_deg: 30.0, max_scale: 0.2, intensity: 0.0 },
    ];
    let mut rotated_away = 0;
    for (l, a) in levers.iter().enumerate() {
        for seed in 0..12 {
            let out = data::augment_with(&s, &mut lungseg::rng::Rng::new(seed), a);
            let mut checked = 0;
            for i in 1..n - 1 {
                for j in 1..n - 1 {
                    // Interior pixels only: the 3×3 neighbourhood has one label, so bilinear
                    // sampling of the image cannot straddle an edge.
                    let k = out.labels[i * n + j];
                    if (0..3).any(|di| (0..3).any(|dj| out.labels[(i + di - 1) * n + (j + dj - 1)] != k)) {
                        continue;
                    }
                    // Labels 1 and 2 are the disc (1.0) and the bar (0.6); label 0 is the lung
                    // (0.3) or the surround (0), whose edge is no label edge: there only "not
                    // the disc or the bar" can be asked.
                    let v = out.image[i * n + j];
                    let ok = match k {
                        1 => (v - 1.0).abs() < 0.08,
                        2 => (v - 0.6).abs() < 0.08,
                        _ => v < 0.38,
                    };
                    assert!(ok, "lever {l} seed {seed}: pixel ({i}, {j}) label {k} has intensity {v}");
                    checked += 1;
                }
            }
            assert!(checked > n * n / 2, "lever {l} seed {seed}: only {checked} interior pixels");
            if l == 1 && out.labels != s.labels && out.labels != flipped(&s.labels, n) {
                rotated_away += 1;
            }
        }
    }
    assert!(rotated_away >= 10, "rotation changed the mask in only {rotated_away} of 12 draws");
}

/// An n × n plane flipped top-bottom (the augmentation's reflection).
fn flipped<T: Copy>(plane: &[T], n: usize) -> Vec<T> {
    (0..n * n).map(|p| plane[(n - 1 - p / n) * n + p % n]).collect()
}

#[test]
fn intensity_augmentation_changes_lung_pixels_monotonically_and_keeps_the_surround_zero() {
    use lungseg::data::Augmentation;
    let s = drawn_slice(64);
    let a = Augmentation { intensity: 0.3, ..Augmentation::paper(0.0) };
    let mut changed = 0;
    for seed in 0..20 {
        let mut rng = lungseg::rng::Rng::new(seed);
        let out = data::augment_with(&s, &mut rng, &a);
        // Shear 0 and no rotation / scale: only the reflection moves pixels.
        let src = if out.labels == s.labels {
            s.clone()
        } else {
            Slice { image: flipped(&s.image, 64), labels: flipped(&s.labels, 64), ..s.clone() }
        };
        assert_eq!(out.labels, src.labels);
        for (&v, &u) in out.image.iter().zip(&src.image) {
            assert_eq!(v == 0.0, u == 0.0, "seed {seed}: zero outside the lungs must stay zero, lung pixels non-zero");
            assert!((0.0..=1.0).contains(&v));
        }
        // Monotone: the disc stays brighter than the bar, the bar than the lung.
        let at = |k: f32| out.image[src.image.iter().position(|&u| u == k).unwrap()];
        assert!(at(1.0) >= at(0.6) && at(0.6) > at(0.3), "seed {seed}: {} {} {}", at(1.0), at(0.6), at(0.3));
        if (at(0.3) - 0.3).abs() > 1e-3 {
            changed += 1;
        }
    }
    assert!(changed >= 18, "intensity changed the lung in only {changed} of 20 draws");
}

#[test]
fn lung_normalisation_standardises_the_lung_pixels() {
    let s = drawn_slice(50);
    let mut x = s.image.clone();
    data::normalize(&mut x, data::Normalization::Lung, None);
    let lung: Vec<f64> = s.image.iter().zip(&x).filter(|(&u, _)| u != 0.0).map(|(_, &v)| v as f64).collect();
    let mean = lung.iter().sum::<f64>() / lung.len() as f64;
    let sd = (lung.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / lung.len() as f64).sqrt();
    assert!(mean.abs() < 1e-5 && (sd - 1.0).abs() < 1e-4, "lung mean {mean}, sd {sd}");
    assert_eq!("lung".parse::<data::Normalization>().unwrap(), data::Normalization::Lung);
}

/// The tests' scratch folders (tests/common: `Scratch`) go away with the test, files and all.
#[test]
fn test_scratch_folders_are_removed_when_dropped() {
    let d = tmp("scratch");
    std::fs::write(d.join("file"), b"x").unwrap();
    let root = d.parent().unwrap().to_path_buf();
    assert!(root.join("scratch/file").exists());
    drop(d);
    if std::env::var("LUNGSEG_KEEP_TEST_FILES").is_ok_and(|v| v == "1") {
        assert!(root.join("scratch/file").exists(), "LUNGSEG_KEEP_TEST_FILES=1 keeps {}", root.display());
    } else {
        assert!(!root.exists(), "{} was left behind", root.display());
    }
}
