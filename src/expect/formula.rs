//! Formulas of `[[expect]]`: arithmetic over scenario parameters, evaluated with `evalexpr`.
//!
//! evalexpr divides integers as integers (1/2 = 0), which no physicist means; every integer
//! literal is therefore read as a float before parsing. The functions are `ln`, `exp`,
//! `sqrt`, `pow`, `min`, `max`, `abs`, `floor`, and `^` is the power operator.

use evalexpr::{
    ContextWithMutableFunctions, ContextWithMutableVariables, DefaultNumericTypes, Function, HashMapContext, Node,
    Value,
};
use std::collections::BTreeMap;

pub(crate) const FUNCTIONS: &[&str] = &["ln", "exp", "sqrt", "pow", "min", "max", "abs", "floor"];

/// The longest formula, in characters: evalexpr parses and evaluates recursively, so a
/// formula must be small enough for the stack (longer ones belong in several expectations).
pub(crate) const MAX_LENGTH: usize = 4000;

/// The deepest nesting of parentheses.
pub(crate) const MAX_DEPTH: usize = 64;

/// A parsed formula.
pub(crate) struct Formula {
    node: Node<DefaultNumericTypes>,
}

impl Formula {
    /// Parses `text`; the error says what is wrong with it.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        check_size(text)?;
        let node = evalexpr::build_operator_tree::<DefaultNumericTypes>(&floats(text))
            .map_err(|e| format!("cannot parse `{text}`: {e}"))?;
        if let Some(unknown) = node.iter_function_identifiers().find(|f| !FUNCTIONS.contains(f)) {
            return Err(format!("unknown function `{unknown}` (known: {})", FUNCTIONS.join(", ")));
        }
        Ok(Formula { node })
    }

    /// The variables the formula names.
    pub(crate) fn variables(&self) -> Vec<String> {
        let mut names: Vec<String> = self.node.iter_variable_identifiers().map(str::to_string).collect();
        names.sort();
        names.dedup();
        names
    }

    /// Evaluates with the given variables (all of `variables()` must be there).
    pub(crate) fn evaluate(&self, values: &BTreeMap<String, f64>) -> Result<f64, String> {
        let mut context = HashMapContext::<DefaultNumericTypes>::new();
        for name in self.variables() {
            let value = values.get(&name).ok_or_else(|| format!("unknown variable `{name}`"))?;
            context.set_value(name, Value::Float(*value)).map_err(|e| e.to_string())?;
        }
        add_functions(&mut context).map_err(|e| e.to_string())?;
        let value = self.node.eval_with_context(&context).map_err(|e| e.to_string())?;
        value.as_number().map_err(|e| format!("the formula does not give a number: {e}"))
    }
}

/// Bounds the length and the nesting before evalexpr's recursive parser sees the text (a
/// formula of 50 000 nested parentheses would overflow its stack).
fn check_size(text: &str) -> Result<(), String> {
    let length = text.chars().count();
    if length > MAX_LENGTH {
        return Err(format!("the formula is {length} characters long; at most {MAX_LENGTH} are allowed"));
    }
    let mut depth: usize = 0;
    let mut deepest = 0;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        deepest = deepest.max(depth);
    }
    if deepest > MAX_DEPTH {
        return Err(format!("parentheses nest {deepest} deep; at most {MAX_DEPTH} are allowed"));
    }
    Ok(())
}

fn add_functions(
    context: &mut HashMapContext<DefaultNumericTypes>,
) -> Result<(), evalexpr::EvalexprError<DefaultNumericTypes>> {
    let unary =
        |f: fn(f64) -> f64| Function::new(move |a: &Value<DefaultNumericTypes>| Ok(Value::Float(f(a.as_number()?))));
    let binary = |f: fn(f64, f64) -> f64| {
        Function::new(move |a: &Value<DefaultNumericTypes>| {
            let t = a.as_fixed_len_tuple(2)?;
            let (Some(x), Some(y)) = (t.first(), t.get(1)) else {
                return Ok(Value::Float(f64::NAN)); // as_fixed_len_tuple(2) gave two; NaN is refused
            };
            Ok(Value::Float(f(x.as_number()?, y.as_number()?)))
        })
    };
    context.set_function("ln".into(), unary(libm::log))?;
    context.set_function("exp".into(), unary(libm::exp))?;
    context.set_function("sqrt".into(), unary(libm::sqrt))?;
    context.set_function("abs".into(), unary(libm::fabs))?;
    context.set_function("floor".into(), unary(libm::floor))?;
    context.set_function("pow".into(), binary(libm::pow))?;
    context.set_function("min".into(), binary(libm::fmin))?;
    context.set_function("max".into(), binary(libm::fmax))
}

/// Rewrites integer literals as floats ("1/2" → "1.0/2.0"), leaving identifiers such as
/// `p99` or `x2` and existing floats ("2.5", "1e-3") alone.
fn floats(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    // Outside the text (before its start, past its end) reads as a space.
    let at = |i: usize| chars.get(i).copied().unwrap_or(' ');
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let starts_number = at(i).is_ascii_digit() && !is_word(at(i.wrapping_sub(1)));
        if !starts_number {
            out.push(at(i));
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (at(i).is_ascii_alphanumeric()
                || at(i) == '.'
                || (matches!(at(i), '-' | '+') && matches!(at(i.wrapping_sub(1)), 'e' | 'E')))
        {
            i += 1;
        }
        let literal: String = chars.iter().skip(start).take(i - start).collect();
        out.push_str(&literal);
        if literal.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(".0");
        }
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn eval(text: &str, vars: &[(&str, f64)]) -> Result<f64, String> {
        let values = vars.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        Formula::parse(text)?.evaluate(&values)
    }

    #[test]
    fn arithmetic_is_in_floats_with_dotted_variables() {
        assert_eq!(eval("1/2", &[]), Ok(0.5));
        assert_eq!(eval("2 * detector.interval", &[("detector.interval", 1.5)]), Ok(3.0));
        assert_eq!(eval("tick / p - tick / 2", &[("tick", 1.0), ("p", 0.25)]), Ok(3.5));
        assert_eq!(eval("2^3 + pow(2, 3)", &[]), Ok(16.0));
        assert_eq!(eval("max(1, min(5, 3)) + sqrt(16) + ln(exp(2)) + abs(-1)", &[]), Ok(10.0));
        assert_eq!(eval("1e-3 * 1000", &[]), Ok(1.0));
        assert_eq!(eval("x2 * 2", &[("x2", 3.0)]), Ok(6.0));
    }

    /// The worst shapes that fit the bounds parse and evaluate without exhausting the stack of
    /// the thread that loads scenarios (the main thread: 8 MiB on Linux), in any profile.
    #[test]
    fn formulas_at_the_bounds_parse_and_evaluate() {
        let worker = std::thread::Builder::new().stack_size(8 << 20).spawn(parse_the_worst_shapes);
        assert!(worker.expect("a thread starts").join().is_ok());
    }

    fn parse_the_worst_shapes() {
        let half = MAX_LENGTH / 2;
        let nested = format!("{}1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        let sum = vec!["1"; half].join("+");
        let power = vec!["1"; half].join("^");
        let negations = format!("{}1", "-".repeat(MAX_LENGTH - 1));
        let calls = format!("{}1{}", "abs(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        let mixed = format!("{}1{}", "-(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH)).repeat(12);
        for text in [nested, sum, power, negations, calls, mixed] {
            assert!(text.chars().count() <= MAX_LENGTH, "{}", text.len());
            let result = eval(&text, &[]);
            assert!(result.is_ok() || result.as_ref().unwrap_err().contains("cannot parse"), "{result:?}");
        }
    }

    #[test]
    fn formulas_beyond_the_bounds_are_refused_before_parsing() {
        let deep = format!("{}1{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        assert!(eval(&deep, &[]).unwrap_err().contains("nest 65 deep; at most 64"));
        let long = vec!["1"; MAX_LENGTH].join("+");
        assert!(eval(&long, &[]).unwrap_err().contains("at most 4000"));
    }

    #[test]
    fn errors_name_what_is_wrong() {
        assert!(eval("2 * (", &[]).unwrap_err().contains("cannot parse"));
        assert!(eval("2 * nope", &[]).unwrap_err().contains("unknown variable `nope`"));
        assert!(eval("log(2)", &[]).unwrap_err().contains("unknown function `log`"));
        assert_eq!(Formula::parse("a + b * a").unwrap().variables(), ["a", "b"]);
    }
}
