use serde::{Deserialize, Serialize};

/// The smallest and largest zoom the canvas allows; saved states are clamped into it.
pub const MIN_ZOOM: f64 = 0.05;
pub const MAX_ZOOM: f64 = 4.0;
/// Pan offsets beyond this are nonsense (a bug or a hostile client), not a place to look at.
pub const MAX_PAN: f64 = 10_000_000.0;

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
}
