//! Readers of the non-pickle model formats: each checks what can carry code
//! or hide data, and skips tensor payloads.

pub mod gguf;
pub mod keras;
pub mod numpy;
pub mod onnx;
pub mod safetensors;
pub mod torchscript;
