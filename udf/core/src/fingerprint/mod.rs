//! The fingerprints, computed from decoded samples and pixels only (no
//! decoder, no I/O): [`visual`] for pictures and frames (global hash),
//! [`local`] for parts of pictures (keypoints), [`profile`] for pictures
//! that vary one way (a 1-D column or row profile), [`layout`] for soft
//! pictures (the grey levels at 96 px), [`blobs`] for the soft pictures'
//! lookup keys (blob triplets of the layout), [`regions`] for
//! the sub-pictures of a query picture (a found inset, the centre band),
//! [`still`] for all of a still picture's at once, [`audio`] for
//! sound, [`pcm`] for sound a caller decoded itself (any rate and channel
//! count, resampled for [`audio`]), [`video`] for the frame sampling of a
//! moving picture.

pub mod audio;
pub mod blobs;
pub mod layout;
pub mod local;
pub mod pcm;
pub mod profile;
pub mod regions;
pub mod still;
pub mod video;
pub mod visual;
