fn main() {
    println!("demarche: under construction");
}
