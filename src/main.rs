fn main() -> std::process::ExitCode {
    hikyaku::main()
}
