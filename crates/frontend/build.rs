// The module links through scripts/wasm-ld, which runs roster-wasm-trim on
// it (see crates/wasm-trim): a change to either must link the module again.
fn main() {
    println!("cargo::rerun-if-changed=../wasm-trim/src");
    println!("cargo::rerun-if-changed=../../scripts/wasm-ld");
}
