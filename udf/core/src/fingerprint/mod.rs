//! The fingerprints, computed from decoded samples and pixels only (no
//! decoder, no I/O): [`visual`] for pictures and frames (global hash),
//! [`local`] for parts of pictures (keypoints), [`audio`] for
//! sound, [`video`] for the frame sampling of a moving picture.

pub mod audio;
pub mod local;
pub mod video;
pub mod visual;
