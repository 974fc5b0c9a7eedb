//! Formulas of `[[expect]]`: arithmetic over scenario parameters, evaluated with `evalexpr`.
//!
//! evalexpr divides integers as integers (1/2 = 0), which no physicist means; every integer
//! literal is therefore read as a float before parsing. The functions are `ln`, `exp`,
//! `sqrt`, `pow`, `min`, `max`, `abs`, and `^` is the power operator.

use evalexpr::{
    ContextWithMutableFunctions, ContextWithMutableVariables, DefaultNumericTypes, Function, HashMapContext, Node,
    Value,
};
use std::collections::BTreeMap;

pub const FUNCTIONS: &[&str] = &["ln", "exp", "sqrt", "pow", "min", "max", "abs"];

/// A parsed formula.
pub struct Formula {
    node: Node<DefaultNumericTypes>,
}

impl Formula {
    /// Parses `text`; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let node = evalexpr::build_operator_tree::<DefaultNumericTypes>(&floats(text))
            .map_err(|e| format!("cannot parse `{text}`: {e}"))?;
        if let Some(unknown) = node.iter_function_identifiers().find(|f| !FUNCTIONS.contains(f)) {
            return Err(format!("unknown function `{unknown}` (known: {})", FUNCTIONS.join(", ")));
        }
        Ok(Formula { node })
    }

    /// The variables the formula names.
    pub fn variables(&self) -> Vec<String> {
        let mut names: Vec<String> = self.node.iter_variable_identifiers().map(str::to_string).collect();
        names.sort();
        names.dedup();
        names
    }

    /// Evaluates with the given variables (all of `variables()` must be there).
    pub fn evaluate(&self, values: &BTreeMap<String, f64>) -> Result<f64, String> {
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

fn add_functions(
    context: &mut HashMapContext<DefaultNumericTypes>,
) -> Result<(), evalexpr::EvalexprError<DefaultNumericTypes>> {
    let unary =
        |f: fn(f64) -> f64| Function::new(move |a: &Value<DefaultNumericTypes>| Ok(Value::Float(f(a.as_number()?))));
    let binary = |f: fn(f64, f64) -> f64| {
        Function::new(move |a: &Value<DefaultNumericTypes>| {
            let t = a.as_fixed_len_tuple(2)?;
            Ok(Value::Float(f(t[0].as_number()?, t[1].as_number()?)))
        })
    };
    context.set_function("ln".into(), unary(libm::log))?;
    context.set_function("exp".into(), unary(libm::exp))?;
    context.set_function("sqrt".into(), unary(libm::sqrt))?;
    context.set_function("abs".into(), unary(libm::fabs))?;
    context.set_function("pow".into(), binary(libm::pow))?;
    context.set_function("min".into(), binary(libm::fmin))?;
    context.set_function("max".into(), binary(libm::fmax))
}

/// Rewrites integer literals as floats ("1/2" → "1.0/2.0"), leaving identifiers such as
/// `p99` or `x2` and existing floats ("2.5", "1e-3") alone.
fn floats(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit() && (i == 0 || !is_word(chars[i - 1]));
        if !starts_number {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_alphanumeric()
                || chars[i] == '.'
                || ((chars[i] == '-' || chars[i] == '+') && matches!(chars[i - 1], 'e' | 'E')))
        {
            i += 1;
        }
        let literal: String = chars[start..i].iter().collect();
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

    #[test]
    fn errors_name_what_is_wrong() {
        assert!(eval("2 * (", &[]).unwrap_err().contains("cannot parse"));
        assert!(eval("2 * nope", &[]).unwrap_err().contains("unknown variable `nope`"));
        assert!(eval("log(2)", &[]).unwrap_err().contains("unknown function `log`"));
        assert_eq!(Formula::parse("a + b * a").unwrap().variables(), ["a", "b"]);
    }
}
