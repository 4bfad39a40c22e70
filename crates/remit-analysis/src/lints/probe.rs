//! A lint's witness request: built from a region, then decided by the
//! same evaluator downstream systems use before anything is reported.

use super::Ctx;
use crate::region::Region;
use crate::witness::Point;
use remit_table::Explanation;
use serde_json::Value;

impl<'a> Ctx<'a> {
    /// The point of `region` for `role` and `action`, and its request.
    pub(super) fn point_at<'c>(
        &'c self,
        role: &'c str,
        action: &'c str,
        region: Region,
    ) -> (Point<'c>, Value) {
        let point = Point {
            table: self.table,
            role,
            action,
            region,
        };
        let request = point.request();
        (point, request)
    }

    /// [`Ctx::point_at`], with the evaluator's explanation of the request.
    pub(super) fn explain_at<'c>(
        &'c self,
        role: &'c str,
        action: &'c str,
        region: Region,
    ) -> (Point<'c>, Value, Explanation) {
        let (point, request) = self.point_at(role, action, region);
        let explanation = self.evaluator.explain(&request);
        (point, request, explanation)
    }
}
