//! Cuts Leptos's asynchronous hydration out of Roster's browser module.
//!
//! Leptos 0.8 compiles, for every view it can type-erase, the code that
//! hydrates that view asynchronously (`RenderHtml::hydrate_async` and the
//! futures it builds), and every `AnyView` holds a pointer to it. The
//! optimiser cannot see that the pointer is never followed, so all of it
//! stays in the module: about a twentieth of what a page downloads. Only
//! `leptos::mount::hydrate_from_async` (behind lazy routes) starts that path.
//! Roster hydrates its islands synchronously, with `hydrate_islands` and the
//! lazy islands' loaders, so none of it ever runs; the trim refuses a module
//! that links `hydrate_from_async`, where that would no longer be true.
//!
//! It runs on the linked module, before wasm-split and wasm-opt. Each such
//! function gets an `unreachable` written over one `local.*` instruction near
//! its start, padded with `nop`s, so that no byte moves: the relocations
//! wasm-split reads stay true. wasm-opt then drops the rest of the body and
//! whatever only it reached. The compiler merges identical functions under
//! several names, so a function is cut only when every symbol naming it is
//! asynchronous hydration.

use std::collections::HashMap;
use std::fmt;
use wasmparser::{BinaryReaderError, KnownCustom, Linking, Operator, Parser, Payload, SymbolInfo, TypeRef};

/// The function that starts asynchronous hydration; a module linking it may run the code the trim cuts.
const ASYNC_HYDRATION_ENTRY: &str = "leptos::mount::hydrate_from_async";

/// What the trim did to one module.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Trimmed {
    /// Whether the module carries a linker symbol table (`--emit-relocs`,
    /// which `.cargo/config.toml` asks for in the browser build). Without one, merged
    /// functions cannot be told apart, and nothing is cut.
    pub symbol_table: bool,
    /// Functions of asynchronous hydration that now stop at `unreachable`.
    pub cut: usize,
    /// Functions named as asynchronous hydration that share their body with
    /// code under another name, and were left whole.
    pub shared: usize,
    /// Functions of asynchronous hydration that may branch before their first
    /// `local` instruction, where the cut would go, and were left whole.
    pub uncut: usize,
}

impl fmt::Display for Trimmed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.symbol_table {
            return f.write_str("no linker symbol table (a build without --split), left as it is");
        }
        write!(f, "cut {} functions of asynchronous hydration", self.cut)?;
        if self.shared > 0 {
            write!(f, "; left {} whose body other code shares", self.shared)?;
        }
        if self.uncut > 0 {
            write!(f, "; left {} that may branch before the place to cut", self.uncut)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrimError {
    #[error("not a module the trim can read: {0}")]
    Unreadable(#[from] BinaryReaderError),
    #[error("the module links {ASYNC_HYDRATION_ENTRY}, so its asynchronous hydration may run; take the trim out of roster-build")]
    HydratesAsynchronously,
    #[error("found no asynchronous hydration to cut: Leptos has changed its names or its hydration; look again before relying on the trim")]
    NothingToCut,
}

/// Cuts every function of asynchronous hydration in `module`, in place.
pub fn trim(module: &mut [u8]) -> Result<Trimmed, TrimError> {
    let layout = read_layout(module)?;
    let Some(names) = layout.symbols else {
        return Ok(Trimmed { symbol_table: false, ..Trimmed::default() });
    };
    if names.values().flatten().any(|name| name.starts_with(ASYNC_HYDRATION_ENTRY)) {
        return Err(TrimError::HydratesAsynchronously);
    }
    let mut trimmed = Trimmed { symbol_table: true, ..Trimmed::default() };
    let mut cuts = Vec::new();
    for (index, names) in &names {
        if !names.iter().any(|name| is_async_hydration(name)) {
            continue;
        }
        if !names.iter().all(|name| is_async_hydration(name)) {
            trimmed.shared += 1;
            continue;
        }
        // Imported functions have no body here; they are not Rust's.
        let Some(body) = index.checked_sub(layout.imported_functions).and_then(|i| layout.bodies.get(i as usize)) else {
            continue;
        };
        match place_to_cut(module, body.clone())? {
            Some(place) => cuts.push(place),
            None => trimmed.uncut += 1,
        }
    }
    if cuts.is_empty() {
        return Err(TrimError::NothingToCut);
    }
    for place in cuts {
        // `unreachable` (0x00), then `nop`s (0x01) over the rest of the instruction.
        module[place.start] = 0x00;
        module[place.start + 1..place.end].fill(0x01);
        trimmed.cut += 1;
    }
    Ok(trimmed)
}

/// Whether a (demangled) function name is `hydrate_async` or a closure or
/// future inside it. Helpers declared inside it (`inner_1`, `prep`) are not:
/// the same helpers of the synchronous path are often the same function.
fn is_async_hydration(name: &str) -> bool {
    let mut path = name;
    while let Some(outer) = path.strip_suffix("::{{closure}}") {
        path = outer;
    }
    path.ends_with("::hydrate_async")
}

/// Where the functions' bodies are, and every name of each function.
struct Layout {
    imported_functions: u32,
    bodies: Vec<std::ops::Range<usize>>,
    /// Function index → its symbols' names (demangled), when the module has a symbol table.
    symbols: Option<HashMap<u32, Vec<String>>>,
}

fn read_layout(module: &[u8]) -> Result<Layout, BinaryReaderError> {
    let mut layout = Layout { imported_functions: 0, bodies: Vec::new(), symbols: None };
    for payload in Parser::new(0).parse_all(module) {
        match payload? {
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    if matches!(import?.ty, TypeRef::Func(_)) {
                        layout.imported_functions += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let range = body.range();
                layout.bodies.push(range.start as usize..range.end as usize);
            }
            Payload::CustomSection(section) => {
                if let KnownCustom::Linking(linking) = section.as_known() {
                    let symbols = layout.symbols.get_or_insert_with(HashMap::new);
                    for subsection in linking.subsections() {
                        if let Linking::SymbolTable(table) = subsection? {
                            for symbol in table {
                                if let SymbolInfo::Func { index, name: Some(name), .. } = symbol? {
                                    symbols.entry(index).or_default().push(format!("{:#}", rustc_demangle::demangle(name)));
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(layout)
}

/// The first `local.get`, `local.set` or `local.tee` of the body, if no
/// instruction before it can branch: its bytes never carry a relocation, and
/// an `unreachable` there leaves everything after it dead, even inside the
/// blocks an async state machine opens first (nothing can reach their ends).
fn place_to_cut(module: &[u8], body: std::ops::Range<usize>) -> Result<Option<std::ops::Range<usize>>, BinaryReaderError> {
    let mut operators = body_at(module, body).get_operators_reader()?;
    while !operators.eof() {
        let (operator, start) = operators.read_with_offset()?;
        match operator {
            Operator::LocalGet { .. } | Operator::LocalSet { .. } | Operator::LocalTee { .. } => {
                return Ok(Some(start as usize..operators.original_position() as usize));
            }
            Operator::If { .. }
            | Operator::Else
            | Operator::End
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Return
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::Rethrow { .. }
            | Operator::Delegate { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll => return Ok(None),
            // `block`, `loop`, and instructions that do not branch.
            _ => {}
        }
    }
    Ok(None)
}

/// The function body at `range` of the module, read with the module's offsets.
fn body_at(module: &[u8], range: std::ops::Range<usize>) -> wasmparser::FunctionBody<'_> {
    let start = range.start as u64;
    wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(&module[range], start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, CustomSection, Function, FunctionSection, Instruction, LinkingSection, Module, SymbolTable,
        TypeSection, ValType,
    };

    /// `i32.const 1; local.get 0; i32.add`: adds one to the argument.
    const ADD_ONE: &[Instruction<'static>] =
        &[Instruction::I32Const(1), Instruction::LocalGet(0), Instruction::I32Add, Instruction::End];

    /// A module of functions `(i32) -> i32` that add one to their argument,
    /// and a symbol table naming them: `names[i]` are the names of function `i`.
    fn module(names: &[&[&str]], symbol_table: bool) -> Vec<u8> {
        module_of(&names.iter().map(|names| (*names, ADD_ONE.to_vec())).collect::<Vec<_>>(), symbol_table)
    }

    /// A module of functions `(i32) -> i32`, each with its names and body.
    fn module_of(functions_: &[(&[&str], Vec<Instruction<'static>>)], symbol_table: bool) -> Vec<u8> {
        let names: Vec<&[&str]> = functions_.iter().map(|(names, _)| *names).collect();
        let mut types = TypeSection::new();
        types.ty().function([ValType::I32], [ValType::I32]);
        let mut functions = FunctionSection::new();
        let mut code = CodeSection::new();
        for (_, instructions) in functions_ {
            functions.function(0);
            let mut body = Function::new([]);
            for instruction in instructions {
                body.instruction(instruction);
            }
            code.function(&body);
        }
        let mut module = Module::new();
        module.section(&types).section(&functions).section(&code);
        if symbol_table {
            let mut symbols = SymbolTable::new();
            for (index, names) in names.iter().enumerate() {
                for name in *names {
                    symbols.function(0, index as u32, Some(name));
                }
            }
            module.section(LinkingSection::new().symbol_table(&symbols));
        }
        // A custom section after the code, as rustc writes its own.
        module.section(&CustomSection { name: "producers".into(), data: (&[0u8][..]).into() });
        module.finish()
    }

    /// Whether each function's body now has an `unreachable` where its first `local.get` was.
    fn cut_functions(module: &[u8]) -> Vec<bool> {
        wasmparser::Validator::new().validate_all(module).expect("the trimmed module is valid");
        let layout = read_layout(module).unwrap();
        layout
            .bodies
            .into_iter()
            .map(|body| {
                let mut operators = body_at(module, body).get_operators_reader().unwrap();
                let mut seen = Vec::new();
                while !operators.eof() {
                    seen.push(operators.read().unwrap());
                }
                let cut = seen.iter().any(|op| matches!(op, Operator::Unreachable));
                assert!(cut || seen.iter().any(|op| matches!(op, Operator::LocalGet { .. })));
                cut
            })
            .collect()
    }

    #[test]
    fn the_functions_of_asynchronous_hydration_stop_at_unreachable_and_no_byte_moves() {
        let mut wasm = module(
            &[
                &["_ZN6tachys4view8any_view8into_any13hydrate_async17h0123456789abcdefE"],
                &["tachys::view::RenderHtml::hydrate_async::{{closure}}"],
                &["tachys::view::RenderHtml::hydrate"],
                &["core::ptr::drop_in_place<tachys::view::RenderHtml::hydrate_async::{{closure}}>"],
            ],
            true,
        );
        let before = wasm.len();
        let trimmed = trim(&mut wasm).unwrap();
        assert_eq!(trimmed, Trimmed { symbol_table: true, cut: 2, shared: 0, uncut: 0 });
        assert_eq!(wasm.len(), before);
        assert_eq!(cut_functions(&wasm), [true, true, false, false]);
    }

    #[test]
    fn a_future_that_opens_its_blocks_first_is_cut_inside_them() {
        let block = Instruction::Block(wasm_encoder::BlockType::Empty);
        let mut body = vec![block.clone(), block, Instruction::LocalGet(0), Instruction::Drop, Instruction::End, Instruction::End];
        body.extend_from_slice(ADD_ONE);
        let mut wasm = module_of(&[(&["tachys::view::RenderHtml::hydrate_async::{{closure}}"], body)], true);
        assert_eq!(trim(&mut wasm).unwrap().cut, 1);
        assert_eq!(cut_functions(&wasm), [true]);
    }

    #[test]
    fn a_function_that_may_branch_before_its_first_local_is_left_whole() {
        let body = vec![
            Instruction::Block(wasm_encoder::BlockType::Empty),
            Instruction::Br(0),
            Instruction::End,
            Instruction::I32Const(1),
            Instruction::LocalGet(0),
            Instruction::I32Add,
            Instruction::End,
        ];
        let mut wasm = module_of(
            &[(&["tachys::view::RenderHtml::hydrate_async"], body), (&["tachys::view::RenderHtml::hydrate_async::{{closure}}"], ADD_ONE.to_vec())],
            true,
        );
        assert_eq!(trim(&mut wasm).unwrap(), Trimmed { symbol_table: true, cut: 1, shared: 0, uncut: 1 });
        assert_eq!(cut_functions(&wasm), [false, true]);
    }

    #[test]
    fn a_body_shared_with_other_code_is_left_whole() {
        let mut wasm = module(
            &[
                &["tachys::view::RenderHtml::hydrate_async::{{closure}}"],
                &["reactive::hydrate_async::{{closure}}", "reactive::hydrate::{{closure}}"],
            ],
            true,
        );
        assert_eq!(trim(&mut wasm).unwrap(), Trimmed { symbol_table: true, cut: 1, shared: 1, uncut: 0 });
        assert_eq!(cut_functions(&wasm), [true, false]);
    }

    #[test]
    fn helpers_declared_inside_hydrate_async_are_left_whole() {
        let mut wasm = module(
            &[&["tachys::view::RenderHtml::hydrate_async"], &["tachys::html::element::hydrate_async::{{closure}}::inner_1"]],
            true,
        );
        trim(&mut wasm).unwrap();
        assert_eq!(cut_functions(&wasm), [true, false]);
    }

    #[test]
    fn a_module_that_may_hydrate_asynchronously_is_refused() {
        let mut wasm = module(
            &[&["tachys::view::RenderHtml::hydrate_async"], &["leptos::mount::hydrate_from_async"]],
            true,
        );
        let original = wasm.clone();
        assert!(matches!(trim(&mut wasm), Err(TrimError::HydratesAsynchronously)));
        assert_eq!(wasm, original);
    }

    #[test]
    fn a_module_with_nothing_to_cut_is_an_error_so_a_change_in_leptos_is_noticed() {
        let mut wasm = module(&[&["tachys::view::RenderHtml::hydrate"]], true);
        assert!(matches!(trim(&mut wasm), Err(TrimError::NothingToCut)));
    }

    #[test]
    fn a_module_without_a_symbol_table_is_left_as_it_is() {
        let mut wasm = module(&[&["tachys::view::RenderHtml::hydrate_async"]], false);
        let original = wasm.clone();
        assert_eq!(trim(&mut wasm).unwrap(), Trimmed::default());
        assert_eq!(wasm, original);
    }
}
