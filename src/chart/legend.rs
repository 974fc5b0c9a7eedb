//! Legends, drawn in a band below the plot area rather than inside it: a legend inside covers
//! whatever data lies in its corner (the top point of a line, the top instances of a
//! timeline), and no corner is free on every chart. The band's height follows the entries,
//! laid out in as many equal columns as the width holds.

use super::ChartResult;
use super::style::FONT;
use plotters::coord::Shift;
use plotters::prelude::*;

/// How an entry's series looks, drawn beside its label.
#[derive(Clone, Copy)]
pub(super) enum Mark {
    /// A solid line with a point (a simulated line or curve).
    Line(RGBColor),
    /// A solid line alone (a CDF).
    Curve(RGBColor),
    /// A dashed line (a prediction).
    Dashed(RGBColor),
    /// A filled box (bars, timeline lanes).
    Box(RGBColor),
    /// A cross (crashes).
    Cross,
    /// A filled triangle (detections).
    Triangle(RGBColor),
    /// A ring (false suspicions; Pareto-optimal points in black).
    Ring(RGBColor, u32),
    /// No mark: a note on the chart (what its point labels are).
    Nothing,
}

/// One legend entry.
pub(super) struct Entry {
    pub label: String,
    pub mark: Mark,
}

impl Entry {
    pub(super) fn new(label: impl Into<String>, mark: Mark) -> Self {
        Entry { label: label.into(), mark }
    }
}

const FONT_SIZE: u32 = 14;
const ROW: u32 = 22;
const PAD: u32 = 8;
/// Room for the mark before the label, and between columns.
const MARK: u32 = 30;
const GAP: u32 = 18;
/// The frame's colour: grey, apart from the black of data and axes.
pub(super) const FRAME: RGBColor = RGBColor(128, 128, 128);

/// Where each entry goes in a band `width` wide, given its label's width: (x, y) of the
/// entry's top-left corner, and the band's height. Entries flow left to right in the order
/// their series were drawn, wrapping to a new row when the next would cross the band's edge.
pub(super) fn layout(label_widths: &[u32], width: u32) -> (Vec<(i32, i32)>, u32) {
    if label_widths.is_empty() {
        return (Vec::new(), 0);
    }
    let (mut places, mut x, mut row) = (Vec::new(), PAD + 4, 0);
    for w in label_widths {
        let needed = w + MARK + GAP;
        if x > PAD + 4 && x + needed > width.saturating_sub(PAD) {
            (x, row) = (PAD + 4, row + 1);
        }
        places.push((x as i32, (PAD + row * ROW) as i32));
        x += needed;
    }
    (places, (row + 1) * ROW + 2 * PAD)
}

/// The right edge of the entries placed by `layout`.
fn right_edge(places: &[(i32, i32)], label_widths: &[u32]) -> i32 {
    places.iter().zip(label_widths).map(|(p, w)| p.0 + (w + MARK + GAP / 2) as i32).max().unwrap_or(0)
}

/// A legend's band, below the plot area, and the entries it shows.
pub(super) struct Legend<DB: DrawingBackend> {
    band: DrawingArea<DB, Shift>,
    entries: Vec<Entry>,
}

/// The plot area and the legend.
type Split<DB> = (DrawingArea<DB, Shift>, Legend<DB>);

/// The most of a chart's height its legend may take: with more series than that holds (a CDF
/// of a long sweep), the last entry shown says how many more there are.
const MOST: f64 = 0.4;

/// Splits `area` into the plot area above and the legend's band below (empty without entries).
pub(super) fn split<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: Vec<Entry>,
) -> Result<Split<DB>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let (width, height) = area.dim_in_pixel();
    let entries = fit(area, entries, width, (height as f64 * MOST) as u32)?;
    let (_, band) = layout(&widths(area, &entries)?, width);
    let (plot, band) = area.split_vertically(height.saturating_sub(band));
    Ok((plot, Legend { band, entries }))
}

/// The entries that fit in `most` pixels of height, the last one shown replaced by a count of
/// those left out.
fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    mut entries: Vec<Entry>,
    width: u32,
    most: u32,
) -> Result<Vec<Entry>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let (places, height) = layout(&widths(area, &entries)?, width);
    if height <= most {
        return Ok(entries);
    }
    let shown = places.iter().take_while(|p| p.1 as u32 + ROW + PAD <= most).count().max(1);
    let left_out = entries.len() - (shown - 1);
    entries.truncate(shown - 1);
    entries.push(Entry::new(format!("… and {left_out} more"), Mark::Nothing));
    Ok(entries)
}

fn widths<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
) -> Result<Vec<u32>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let style = (FONT, FONT_SIZE).into_text_style(area);
    entries.iter().map(|e| Ok(area.estimate_text_size(&e.label, &style)?.0)).collect()
}

impl<DB: DrawingBackend> Legend<DB>
where
    DB::ErrorType: 'static,
{
    /// Draws the entries in their band, in a grey frame around them.
    pub(super) fn draw(&self) -> ChartResult {
        let (band, entries) = (&self.band, &self.entries);
        let label_widths = widths(band, entries)?;
        let (width, _) = band.dim_in_pixel();
        let (places, height) = layout(&label_widths, width);
        if places.is_empty() {
            return Ok(());
        }
        let right = right_edge(&places, &label_widths).min(width as i32 - 1);
        band.draw(&Rectangle::new([(PAD as i32, 2), (right, height as i32 - 4)], FRAME.stroke_width(1)))?;
        for (entry, &(x, y)) in entries.iter().zip(&places) {
            let middle = y + ROW as i32 / 2;
            draw_mark(band, entry.mark, (x + 12, middle))?;
            band.draw(&Text::new(entry.label.clone(), (x + MARK as i32, middle - 8), (FONT, FONT_SIZE)))?;
        }
        Ok(())
    }
}

fn draw_mark<DB: DrawingBackend>(band: &DrawingArea<DB, Shift>, mark: Mark, (x, y): (i32, i32)) -> ChartResult
where
    DB::ErrorType: 'static,
{
    match mark {
        Mark::Line(c) => {
            band.draw(&PathElement::new(vec![(x - 10, y), (x + 10, y)], c.stroke_width(2)))?;
            band.draw(&Circle::new((x, y), 4, c.filled()))?;
        }
        Mark::Curve(c) => band.draw(&PathElement::new(vec![(x - 10, y), (x + 12, y)], c.stroke_width(2)))?,
        Mark::Dashed(c) => band.draw(&plotters::element::DashedPathElement::new(
            vec![(x - 10, y), (x + 12, y)],
            6,
            4,
            c.stroke_width(2),
        ))?,
        Mark::Box(c) => band.draw(&Rectangle::new([(x - 7, y - 5), (x + 7, y + 5)], c.filled()))?,
        Mark::Cross => band.draw(&Cross::new((x, y), 5, BLACK.stroke_width(2)))?,
        Mark::Triangle(c) => band.draw(&TriangleMarker::new((x, y), 6, c.filled()))?,
        Mark::Ring(c, radius) => band.draw(&Circle::new((x, y), radius, c.stroke_width(2)))?,
        Mark::Nothing => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_flow_in_rows_and_the_band_grows_with_the_rows() {
        let (places, height) = layout(&[100, 60, 80, 90, 70], 1000);
        assert!(places.iter().all(|p| p.1 == places[0].1), "one row: {places:?}");
        assert!(places.windows(2).all(|w| w[0].0 < w[1].0), "left to right: {places:?}");
        assert_eq!(height, ROW + 2 * PAD);
        let (places, height) = layout(&[400, 400, 400], 1000);
        assert_eq!((places[1].1, places[2].1), (places[0].1, places[0].1 + ROW as i32));
        assert_eq!(places[2].0, places[0].0);
        assert_eq!(height, 2 * ROW + 2 * PAD);
    }

    #[test]
    fn entries_never_overlap_and_stay_inside_the_band() {
        let widths = [250, 30, 120, 500, 90, 90, 90, 2000];
        let (places, height) = layout(&widths, 1000);
        let boxes: Vec<(i32, i32, i32)> =
            places.iter().zip(widths).map(|(p, w)| (p.0, p.0 + (w + MARK) as i32, p.1)).collect();
        for (i, a) in boxes.iter().enumerate() {
            // Only a label wider than the band alone may cross its edge.
            assert!(a.0 >= 0 && (a.1 <= 1000 || a.0 == boxes[0].0) && a.2 as u32 + ROW <= height, "{a:?}");
            for b in &boxes[i + 1..] {
                assert!(a.2 != b.2 || a.1 <= b.0 || b.1 <= a.0, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn a_legend_too_long_for_its_share_of_the_chart_says_how_many_it_left_out() {
        super::super::style::register_font();
        let mut text = String::new();
        let area = SVGBackend::with_string(&mut text, (1000, 640)).into_drawing_area();
        let entries = (0..300).map(|i| Entry::new(format!("detector.interval = {i}ms"), Mark::Curve(BLACK))).collect();
        let (plot, legend) = split(&area, entries).unwrap();
        assert!(plot.dim_in_pixel().1 >= 640 - (640.0 * MOST) as u32, "{:?}", plot.dim_in_pixel());
        let last = legend.entries.last().unwrap();
        let shown = legend.entries.len() - 1;
        assert_eq!(last.label, format!("… and {} more", 300 - shown));
        assert!(shown > 10, "{shown}");
    }

    #[test]
    fn no_entries_take_no_room() {
        assert_eq!(layout(&[], 1000), (Vec::new(), 0));
    }
}
