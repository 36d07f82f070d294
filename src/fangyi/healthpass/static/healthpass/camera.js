/* QR codes from the device camera with the vendored jsQR, for every element marked data-camera.
 *
 * A code read is written into the field named by data-camera-fill and announced as a
 * "fangyi:code" event on the element; with data-camera-submit the field's form is submitted.
 * Where there is no camera (no permission, no device, an insecure origin) the element says so and
 * the field still takes typed or pasted text. Every visible string comes from the template. */
(function () {
  "use strict";

  // Frames wider than this are scaled down first: decoding stays fast on a phone.
  const MAX_WIDTH = 640;
  // The same code held in front of the camera is read once, not at every frame.
  const REPEAT_MS = 3000;

  function attach(root) {
    const video = root.querySelector("video");
    const canvas = root.querySelector("canvas");
    const status = root.querySelector("[data-camera-status]");
    const button = root.querySelector("[data-camera-start]");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    let stream = null;
    let last = { text: "", at: 0 };

    function say(name) {
      status.textContent = root.getAttribute("data-text-" + name) || "";
    }

    function found(text) {
      const now = Date.now();
      if (text === last.text && now - last.at < REPEAT_MS) {
        return;
      }
      last = { text: text, at: now };
      const field = document.getElementById(root.getAttribute("data-camera-fill") || "");
      if (field) {
        field.value = text;
      }
      root.dispatchEvent(new CustomEvent("fangyi:code", { detail: text, bubbles: true }));
      if (field && field.form && root.hasAttribute("data-camera-submit")) {
        field.form.requestSubmit();
      }
    }

    function frame() {
      if (!stream) {
        return;
      }
      if (video.readyState === video.HAVE_ENOUGH_DATA && video.videoWidth) {
        const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        const code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
        if (code && code.data) {
          found(code.data);
        }
      }
      window.requestAnimationFrame(frame);
    }

    function stop() {
      if (stream) {
        stream.getTracks().forEach(function (track) {
          track.stop();
        });
        stream = null;
      }
      video.hidden = true;
      button.hidden = false;
    }

    async function start() {
      if (stream) {
        return;
      }
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.jsQR) {
        say("unavailable");
        return;
      }
      say("starting");
      button.hidden = true;
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: "environment" },
          audio: false,
        });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        say("ready");
        window.requestAnimationFrame(frame);
      } catch (error) {
        stop();
        say("unavailable");
      }
    }

    root.hidden = false;
    button.addEventListener("click", start);
    // A phone locked or switched to another app releases the camera; it restarts on return.
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) {
        const running = Boolean(stream);
        stop();
        root.dataset.cameraResume = running ? "true" : "";
      } else if (root.dataset.cameraResume) {
        root.dataset.cameraResume = "";
        start();
      }
    });
    window.addEventListener("pagehide", stop);
    if (root.hasAttribute("data-camera-autostart")) {
      start();
    }
  }

  function init() {
    document.querySelectorAll("[data-camera]").forEach(attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
