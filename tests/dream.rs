//! Deep Dream: gradient ascent through the engine's own backward pass increases the target
//! class's mean logit over its iterations, for every class of both networks.

mod common;
use lungseg::models::{Arch, Model, ModelConfig};

#[test]
fn dream_increases_the_target_logit() {
    let gpu = common::gpu();
    for arch in [Arch::SegNet, Arch::UNet] {
        let model = Model::new(&gpu, ModelConfig { width: 4, ..ModelConfig::paper(arch, 4) }, 3).unwrap();
        for class in 0..4 {
            let d = lungseg::dream::dream(&gpu, &model, 32, class, 12, 0.05, 1).unwrap();
            let (first, last) = (d.mean_logits[0], *d.mean_logits.last().unwrap());
            assert!(last > first, "{arch} class {class}: mean logit {first} → {last}");
            assert!(d.image.iter().all(|v| (0.0..=1.0).contains(v)));
        }
    }
    let model = Model::new(&gpu, ModelConfig { width: 4, ..ModelConfig::paper(Arch::SegNet, 2) }, 3).unwrap();
    assert!(lungseg::dream::dream(&gpu, &model, 32, 2, 1, 0.05, 1).is_err(), "class outside the model");
}
