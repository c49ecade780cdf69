//! CPU references for every kernel entry point, written from the math with f64 arithmetic.
//! One file per op. They are deliberately plain loops over the definitions: slow, obvious, and
//! independent of the shaders' blocking.

pub mod conv2d;
pub mod reduce;
