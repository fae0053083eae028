use serde::{Deserialize, Serialize};

/// The smallest and largest zoom the canvas allows; saved states are clamped into it. A
/// 5,000-node tree can be ~900,000 px wide, and fitting it must still be possible: far zoom
/// levels are drawn as an overview (`ui::editor::overview`), not as node elements.
pub const MIN_ZOOM: f64 = 0.001;
pub const MAX_ZOOM: f64 = 4.0;
/// Pan offsets beyond this are nonsense (a bug or a hostile client), not a place to look at.
/// The widest tree the limits allow (`limits.nodes_per_tree_max` at most 10,000,000 nodes side
/// by side, each at most 260 px wide and 24 px apart: ~2.8e9 px) seen at the largest zoom has
/// its far end ~1.1e10 px from the origin. (It was 1e7, which the far side of a seeded
/// 100,000-node tree already passed: the editor's view there was refused and not saved.)
pub const MAX_PAN: f64 = 1e12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    #[default]
    Vertical,
    Horizontal,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Pan {
    pub x: f64,
    pub y: f64,
}

/// The viewport of a tree, stored in `impact_trees.canvas_state` in the seed's JSON shape
/// `{"zoom":1,"pan":{"x":0,"y":0},"orientation":"vertical"}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CanvasState {
    pub zoom: f64,
    pub pan: Pan,
    #[serde(default)]
    pub orientation: Orientation,
}

impl Default for CanvasState {
    fn default() -> Self {
        CanvasState {
            zoom: 1.0,
            pan: Pan::default(),
            orientation: Orientation::Vertical,
        }
    }
}

impl CanvasState {
    /// Clamps zoom into range and refuses values that are not numbers.
    pub fn sanitized(self) -> Result<Self, (&'static str, String)> {
        if !self.zoom.is_finite() || self.zoom <= 0.0 {
            return Err(("zoom", "must be a positive number".into()));
        }
        for (field, value) in [("pan.x", self.pan.x), ("pan.y", self.pan.y)] {
            if !value.is_finite() || value.abs() > MAX_PAN {
                return Err((field, format!("must be a finite number within ±{MAX_PAN}")));
            }
        }
        Ok(CanvasState {
            zoom: self.zoom.clamp(MIN_ZOOM, MAX_ZOOM),
            ..self
        })
    }
}

impl CanvasState {
    /// Zooms by `factor` keeping the canvas point under (`px`, `py`) (viewport pixels) still.
    pub fn zoom_at(self, factor: f64, px: f64, py: f64) -> Self {
        let zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let k = zoom / self.zoom;
        CanvasState {
            zoom,
            pan: Pan {
                x: px - (px - self.pan.x) * k,
                y: py - (py - self.pan.y) * k,
            },
            ..self
        }
    }

    /// The state that shows content of `content` size whole and centred in a viewport of
    /// `view` size, never zoomed in past 1.
    pub fn fit(self, content: (f64, f64), view: (f64, f64), margin: f64) -> Self {
        let (cw, ch) = (content.0.max(1.0), content.1.max(1.0));
        let (vw, vh) = ((view.0 - 2.0 * margin).max(1.0), (view.1 - 2.0 * margin).max(1.0));
        let zoom = (vw / cw).min(vh / ch).clamp(MIN_ZOOM, 1.0);
        let pan = Pan {
            x: (view.0 - cw * zoom) / 2.0,
            y: (view.1 - ch * zoom) / 2.0,
        };
        CanvasState { zoom, pan, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_matches_the_seed() {
        let json = serde_json::to_value(CanvasState::default()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"zoom": 1.0, "pan": {"x": 0.0, "y": 0.0}, "orientation": "vertical"})
        );
    }

    #[test]
    fn old_states_without_orientation_read_as_vertical() {
        let state: CanvasState = serde_json::from_str(r#"{"zoom": 2, "pan": {"x": 1, "y": -3}}"#).unwrap();
        assert_eq!(state.orientation, Orientation::Vertical);
        assert_eq!(state.zoom, 2.0);
    }

    #[test]
    fn zooming_keeps_the_point_under_the_pointer() {
        let s = CanvasState {
            zoom: 1.0,
            pan: Pan { x: 30.0, y: -10.0 },
            ..Default::default()
        };
        let z = s.zoom_at(1.5, 200.0, 100.0);
        // Canvas point under the pointer before and after.
        let before = ((200.0 - s.pan.x) / s.zoom, (100.0 - s.pan.y) / s.zoom);
        let after = ((200.0 - z.pan.x) / z.zoom, (100.0 - z.pan.y) / z.zoom);
        assert!((before.0 - after.0).abs() < 1e-9 && (before.1 - after.1).abs() < 1e-9);
        assert_eq!(s.zoom_at(1000.0, 0.0, 0.0).zoom, MAX_ZOOM);
    }

    #[test]
    fn fit_shows_everything_centred() {
        let s = CanvasState::default().fit((2000.0, 500.0), (1000.0, 600.0), 20.0);
        assert!((s.zoom - 0.48).abs() < 1e-9);
        assert!((s.pan.x - 20.0).abs() < 1e-9);
        assert_eq!(
            CanvasState::default().fit((100.0, 100.0), (1000.0, 600.0), 20.0).zoom,
            1.0
        );
    }

    #[test]
    fn zoom_is_clamped_and_nonsense_refused() {
        let s = CanvasState {
            zoom: 100.0,
            ..Default::default()
        }
        .sanitized()
        .unwrap();
        assert_eq!(s.zoom, MAX_ZOOM);
        assert!(CanvasState {
            zoom: f64::NAN,
            ..Default::default()
        }
        .sanitized()
        .is_err());
        let far = CanvasState {
            pan: Pan {
                x: f64::INFINITY,
                y: 0.0,
            },
            ..Default::default()
        };
        assert_eq!(far.sanitized().unwrap_err().0, "pan.x");
    }

    #[test]
    fn the_far_end_of_the_widest_tree_is_a_view() {
        use crate::model::layout::{NODE_MAX_WIDTH, SIBLING_GAP};
        // The largest `limits.nodes_per_tree_max` the configuration takes, all one level.
        let widest = 10_000_000.0 * (NODE_MAX_WIDTH + SIBLING_GAP);
        let far_end = CanvasState {
            zoom: MAX_ZOOM,
            pan: Pan {
                x: -widest * MAX_ZOOM,
                y: -widest * MAX_ZOOM,
            },
            ..Default::default()
        };
        assert_eq!(far_end.sanitized(), Ok(far_end));
        let nonsense = CanvasState {
            pan: Pan { x: 0.0, y: 1e300 },
            ..Default::default()
        };
        assert_eq!(nonsense.sanitized().unwrap_err().0, "pan.y");
    }
}
