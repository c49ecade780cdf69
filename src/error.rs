//! Typed errors of the library. The binary wraps them in `anyhow`; the library never panics on bad
//! input: every shape, size and limit is checked before anything reaches wgpu.

use std::fmt;

/// Everything that can go wrong inside lungseg.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No adapter matched the request. `found` lists every adapter wgpu enumerated.
    #[error("no GPU adapter matched {wanted}; adapters found: {found}.\n{hint}")]
    NoAdapter { wanted: String, found: String, hint: &'static str },

    /// The adapter refused to create a device with the requested limits / features.
    #[error("adapter {adapter} could not create a device: {source}")]
    RequestDevice {
        adapter: String,
        #[source]
        source: wgpu::RequestDeviceError,
    },

    /// An operation was called with tensors whose shapes do not fit together.
    #[error("{op}: {detail} (shapes: {shapes})")]
    Shape { op: &'static str, detail: String, shapes: String },

    /// A buffer would exceed one of the device's limits.
    #[error("{op}: {what} needs {needed} but the device's {limit_name} is {limit} ({shapes}); use a smaller batch or image size")]
    Limit { op: &'static str, what: String, needed: u64, limit_name: &'static str, limit: u64, shapes: String },

    /// A value outside what an op accepts (a label ≥ number of classes, a probability outside [0,1) …).
    #[error("{op}: {detail}")]
    InvalidArgument { op: &'static str, detail: String },

    /// Reading or writing a file failed: the operation, the file, and the operating system's
    /// error (kept as the source, not flattened into text).
    #[error("{op}: {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// wgpu reported an error inside an error scope the library opened (shader compilation,
    /// pipeline creation, buffer mapping).
    #[error("wgpu error during {during}: {message}")]
    Wgpu { during: String, message: String },
}

impl Error {
    /// An [`Error::Io`] for `path`.
    pub fn io(op: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Io { op, path: path.to_path_buf(), source }
    }
}

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Formats a list of shapes as `[2, 3, 5, 7] x [4, 3, 3, 3]` for error messages.
pub(crate) fn fmt_shapes(shapes: &[&[usize]]) -> String {
    struct S<'a>(&'a [usize]);
    impl fmt::Display for S<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{:?}", self.0)
        }
    }
    shapes.iter().map(|s| S(s).to_string()).collect::<Vec<_>>().join(" x ")
}

pub(crate) fn shape_err(op: &'static str, detail: impl Into<String>, shapes: &[&[usize]]) -> Error {
    Error::Shape { op, detail: detail.into(), shapes: fmt_shapes(shapes) }
}
