use leptos::prelude::*;
use leptos_meta::Title;

use crate::ui::status::StatusLine;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="page">
            <h1>"Impact trees for product teams"</h1>
            <p class="lead">
                "Connect objectives to outcomes, opportunities, solutions and the assumptions behind them, "
                "on a canvas that stays fast with thousands of nodes."
            </p>
            <StatusLine />
        </section>
    }
}
