// Entry point: languages and theme first (so the first paint is right), then the app.
import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import { followOsLocale, setupI18n } from "./lib/i18n";
import { appInfo } from "./lib/ipc";
import "./lib/theme.svelte";

setupI18n();
appInfo()
  .then((info) => followOsLocale(info.locale))
  .catch(() => {
    // no locale from the OS: navigator.language stands
  });

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

export default mount(App, { target });
