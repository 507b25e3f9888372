// The migrations are compiled into the store (`sqlx::migrate!`): a new or
// changed migration must rebuild it, which cargo does not know by itself.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
