/*
 * The offline dashboards: filters, card results and charts, from the rows embedded in the page.
 *
 * The page embeds datasets: a query's rows summed to the dimensions and filtered columns of the
 * cards that read it (definitions.site_datasets). For each card they are summarised again with the rule the SQL of definitions.card_sql follows, so both renderers
 * agree: keep the rows the filters select, group by the dimensions, aggregate each measure
 * (sum, min, max, or a ratio of two sums, null when the denominator sums to zero), sort by the
 * card's sort keys (else its dimensions), keep the first `limit` rows. Sorting follows
 * PostgreSQL: nulls last ascending, first descending; text by code point (the C collation).
 *
 * Numbers and state names are Brazilian (pt-BR), the words of the interface English.
 */
(function () {
  "use strict";

  // One palette for every chart, so the dashboards look like one family.
  const PALETTE = [
    "#1f5fa8", "#e07b39", "#2e9e6b", "#c4475b",
    "#7b5ea7", "#c9a227", "#3fa7c4", "#8c6d4f",
  ];
  const SEQUENTIAL = [[0, "#dde9f6"], [0.5, "#6a9fd6"], [1, "#163e73"]];
  const NO_DATA_FILL = "#e9ecef";
  const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, ' +
    '"Noto Sans", "Liberation Sans", sans-serif';
  const TEXT = "#1f2933";
  const MUTED = "#6b7280";
  const GRID = "#edf0f3";
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const NUMERIC_FORMATS = ["brl", "integer", "decimal", "percent", "days"];
  const OPERATORS = { date_from: ">=", date_to: "<=" };
  const EMPTY_TEXT = "No data for these filters";
  const PLOT_CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };

  // --- formats --------------------------------------------------------------------------

  const numbers = {
    integer: new Intl.NumberFormat("pt-BR", { maximumFractionDigits: 0 }),
    decimal: new Intl.NumberFormat("pt-BR", { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    days: new Intl.NumberFormat("pt-BR", { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
    percent: new Intl.NumberFormat("pt-BR", {
      style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1,
    }),
    // three significant digits: R$ 15,8 mi, R$ 2,96 mi
    compact: new Intl.NumberFormat("pt-BR", { notation: "compact", maximumSignificantDigits: 3 }),
  };

  const stateNames = {};
  ((window.BRAZIL_STATES && window.BRAZIL_STATES.features) || []).forEach((feature) => {
    stateNames[feature.id] = feature.properties.name;
  });

  // Intl separates some units with (narrow) no-break spaces; plain ones compare predictably.
  function plain(text) {
    return text.replace(/[\u00a0\u202f]/g, " ");
  }

  function stateName(code) {
    return code in stateNames ? stateNames[code] : String(code);
  }

  function formatValue(value, format, options) {
    if (value === null || value === undefined || value === "") return "—";
    const short = Boolean(options && options.short);
    switch (format) {
      case "brl": {
        const sign = value < 0 ? "-" : "";
        const size = Math.abs(value);
        const digits = short && size >= 1e6
          ? numbers.compact.format(size)
          : numbers.decimal.format(size);
        return plain(`${sign}R$ ${digits}`);
      }
      case "integer":
        return plain(numbers.integer.format(value));
      case "decimal":
        return plain(numbers.decimal.format(value));
      case "percent":
        return plain(numbers.percent.format(value));
      case "days":
        return plain(`${numbers.days.format(value)} days`);
      case "date": {
        const [year, month, day] = String(value).slice(0, 10).split("-");
        return `${day}/${month}/${year}`;
      }
      case "month": {
        const [year, month] = String(value).split("-");
        return `${MONTHS[Number(month) - 1]} ${year}`;
      }
      case "state":
        return stateName(value);
      default:
        return String(value);
    }
  }

  // --- card semantics (the same as the SQL) -----------------------------------------------

  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") return a - b;
    if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
    const left = String(a);
    const right = String(b);
    if (left === right) return 0;
    return left < right ? -1 : 1;
  }

  function columnIndex(columns) {
    const index = {};
    columns.forEach((column, position) => { index[column] = position; });
    return index;
  }

  function filterVariables(kind) {
    const filter = payload.dashboard.filters.find((f) => f.kind === kind);
    return filter ? filter.variables : [];
  }

  function keepRow(card, row, index, filterValues) {
    return Object.entries(card.filters).every(([kind, column]) =>
      filterVariables(kind).every((variable) => {
        const wanted = filterValues[variable];
        if (wanted === null || wanted === undefined || wanted === "") return true;
        const value = row[index[column]];
        if (value === null || value === undefined) return false;
        const order = compare(value, typeof value === "number" ? Number(wanted) : wanted);
        const operator = OPERATORS[variable] || "=";
        if (operator === ">=") return order >= 0;
        if (operator === "<=") return order <= 0;
        return order === 0;
      }));
  }

  function total(rows, position) {
    let sum = null;
    rows.forEach((row) => {
      if (row[position] !== null && row[position] !== undefined) sum = (sum || 0) + row[position];
    });
    return sum;
  }

  function extreme(rows, position, sign) {
    let best = null;
    rows.forEach((row) => {
      const value = row[position];
      if (value === null || value === undefined) return;
      if (best === null || sign * compare(value, best) > 0) best = value;
    });
    return best;
  }

  function aggregate(measure, rows, index) {
    if (measure.ratio) {
      const numerator = total(rows, index[measure.ratio[0]]);
      const denominator = total(rows, index[measure.ratio[1]]);
      if (numerator === null || denominator === null || denominator === 0) return null;
      return numerator / denominator;
    }
    const position = index[measure.column];
    if (measure.aggregation === "min") return extreme(rows, position, -1);
    if (measure.aggregation === "max") return extreme(rows, position, 1);
    return total(rows, position);
  }

  function sortRows(rows, keys) {
    return rows.slice().sort((a, b) => {
      for (const key of keys) {
        const left = a[key.position];
        const right = b[key.position];
        const leftNull = left === null || left === undefined;
        const rightNull = right === null || right === undefined;
        let order;
        if (leftNull || rightNull) {
          // nulls sort as larger than any value: last ascending, first descending
          order = leftNull === rightNull ? 0 : (leftNull ? 1 : -1);
        } else {
          order = compare(left, right);
        }
        if (order !== 0) return key.descending ? -order : order;
      }
      return 0;
    });
  }

  function cardResult(card, filterValues) {
    const dataset = payload.datasets[card.dataset];
    const index = columnIndex(dataset.columns);
    const kept = dataset.rows.filter((row) => keepRow(card, row, index, filterValues || {}));
    const dimensions = card.dimensions.map((d) => d.column);
    let columns;
    let rows;
    if (card.aggregate) {
      columns = dimensions.concat(card.measures.map((m) => m.name));
      const groups = new Map();
      kept.forEach((row) => {
        const values = dimensions.map((column) => row[index[column]]);
        const key = JSON.stringify(values);
        if (!groups.has(key)) groups.set(key, { values: values, rows: [] });
        groups.get(key).rows.push(row);
      });
      // Without a GROUP BY, SQL's aggregates return one row even when nothing matches.
      if (!dimensions.length && !groups.size) groups.set("[]", { values: [], rows: [] });
      rows = Array.from(groups.values(), (group) =>
        group.values.concat(card.measures.map((m) => aggregate(m, group.rows, index))));
    } else {
      columns = dimensions.concat(card.measures.map((m) => m.column));
      rows = kept.map((row) => columns.map((column) => row[index[column]]));
    }
    const output = columnIndex(columns);
    let keys = card.sort.map((k) => ({ position: output[k.column], descending: k.descending }));
    if (!keys.length && card.aggregate) {
      keys = dimensions.map((column) => ({ position: output[column], descending: false }));
    }
    if (keys.length) rows = sortRows(rows, keys);
    if (card.limit) rows = rows.slice(0, card.limit);
    return { columns: columns, rows: rows };
  }

  // --- charts -----------------------------------------------------------------------------

  function baseLayout(extra) {
    return Object.assign({
      font: { family: FONT, size: 12, color: TEXT },
      separators: ",.",
      margin: { l: 4, r: 8, t: 6, b: 4, pad: 2 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      colorway: PALETTE,
      hoverlabel: {
        font: { family: FONT, size: 12, color: TEXT },
        bgcolor: "#ffffff",
        bordercolor: "#cfd4da",
        align: "left",
      },
      showlegend: false,
    }, extra);
  }

  function axisTitle(text) {
    return { text: text, standoff: 10, font: { size: 12, color: MUTED } };
  }

  function numberTicks(format) {
    const ticks = { separatethousands: true, exponentformat: "none" };
    if (format === "brl") ticks.tickprefix = "R$ ";
    if (format === "percent") ticks.tickformat = ".1~%";
    return ticks;
  }

  function valueAxis(format, title) {
    return Object.assign({
      title: axisTitle(title),
      automargin: true,
      zeroline: false,
      gridcolor: GRID,
      linecolor: "#d5d9de",
      tickfont: { size: 11, color: MUTED },
      rangemode: "tozero",
      fixedrange: true,
    }, numberTicks(format));
  }

  function isTime(dimension) {
    return dimension.format === "month" || dimension.format === "date";
  }

  function dimensionAxis(dimension, values, width) {
    const axis = {
      title: axisTitle(dimension.title),
      automargin: true,
      showgrid: false,
      linecolor: "#d5d9de",
      tickfont: { size: 11, color: MUTED },
      fixedrange: true,
    };
    if (!isTime(dimension)) return Object.assign(axis, { type: "category" });
    axis.type = "date";
    if (dimension.format === "date") {
      return Object.assign(axis, { tickformat: "%d/%m/%Y", hoverformat: "%d/%m/%Y" });
    }
    // One tick per month, or every few months: a label needs about 80 pixels.
    const months = new Set(values.filter((v) => v !== null).map((v) => String(v).slice(0, 7)));
    const room = Math.max(2, Math.floor(width / 80));
    const step = [1, 2, 3, 6, 12].find((s) => months.size / s <= room) || 12;
    return Object.assign(axis, {
      tickformat: "%b %Y", hoverformat: "%b %Y", dtick: `M${step}`, ticklabelmode: "instant",
    });
  }

  function legend(title) {
    return {
      orientation: "h",
      x: 0,
      xanchor: "left",
      y: 1.02,
      yanchor: "bottom",
      font: { size: 11 },
      traceorder: "normal",
      title: title ? { text: `${title}: `, font: { size: 11, color: MUTED } } : undefined,
    };
  }

  function translucent(color, alpha) {
    const value = parseInt(color.slice(1), 16);
    return `rgba(${value >> 16}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
  }

  function hoverLines(card, withSeries) {
    const lines = ["<b>%{customdata[0]}</b>"];
    let position = 1;
    if (withSeries) {
      lines.push(`${card.dimensions[1].title}: %{customdata[1]}`);
      position = 2;
    }
    card.measures.forEach((measure, offset) => {
      lines.push(`${measure.title}: %{customdata[${position + offset}]}`);
    });
    return `${lines.join("<br>")}<extra></extra>`;
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function distinct(values) {
    const seen = new Map();
    values.forEach((value) => {
      if (!seen.has(JSON.stringify(value))) seen.set(JSON.stringify(value), value);
    });
    return Array.from(seen.values());
  }

  function cartesian(card, result, width) {
    const index = columnIndex(result.columns);
    const [xDimension, seriesDimension] = card.dimensions;
    const horizontal = card.chart === "row";
    const xPosition = index[xDimension.column];
    const time = isTime(xDimension);
    const position = (row) =>
      (time ? row[xPosition] : formatValue(row[xPosition], xDimension.format));
    const measures = card.measures;
    const primaryFormat = measures[0].format;
    const secondAxis = !horizontal && !seriesDimension &&
      measures.some((m) => m.format !== primaryFormat);
    // Several traces share one hover box per x (or y) value, each giving its own value there.
    const unified = seriesDimension || measures.length > 1;

    function trace(rows, measure, name, color, number, seriesValue) {
      const values = rows.map((row) => row[index[measure.name]]);
      const positions = rows.map(position);
      const custom = rows.map((row) => {
        const cells = [formatValue(row[xPosition], xDimension.format)];
        if (seriesDimension) cells.push(formatValue(seriesValue, seriesDimension.format));
        return cells.concat(measures.map((m) => formatValue(row[index[m.name]], m.format)));
      });
      const own = (seriesDimension ? 2 : 1) + measures.indexOf(measure);  // this trace's value
      const base = {
        name: name,
        customdata: custom,
        hovertemplate: unified
          ? `${name}: %{customdata[${own}]}<extra></extra>`
          : hoverLines(card, Boolean(seriesDimension)),
        x: horizontal ? values : positions,
        y: horizontal ? positions : values,
      };
      if (secondAxis && measure.format !== primaryFormat) base.yaxis = "y2";
      switch (card.chart) {
        case "line":
          return Object.assign(base, {
            type: "scatter",
            mode: rows.length <= 40 ? "lines+markers" : "lines",
            line: { color: color, width: 2.2 },
            marker: { color: color, size: 5 },
          });
        case "area":
          return Object.assign(base, {
            type: "scatter",
            mode: "lines",
            line: { color: color, width: 1.6 },
            fillcolor: translucent(color, seriesDimension ? 0.75 : 0.22),
          }, seriesDimension ? { stackgroup: "series" } : { fill: "tozeroy" });
        default:
          return Object.assign(base, {
            type: "bar",
            orientation: horizontal ? "h" : "v",
            marker: { color: color },
            offsetgroup: card.chart === "bar" && !seriesDimension ? String(number) : undefined,
          });
      }
    }

    const traces = [];
    if (seriesDimension) {
      const seriesPosition = index[seriesDimension.column];
      const firstMeasure = index[measures[0].name];
      // The largest series first: it keeps the first colour and leads the legend.
      const sizes = new Map();
      result.rows.forEach((row) => {
        const key = JSON.stringify(row[seriesPosition]);
        sizes.set(key, (sizes.get(key) || 0) + Math.abs(row[firstMeasure] || 0));
      });
      const series = distinct(result.rows.map((row) => row[seriesPosition]))
        .sort((a, b) => sizes.get(JSON.stringify(b)) - sizes.get(JSON.stringify(a)));
      series.forEach((value, number) => {
        const rows = result.rows.filter((row) => same(row[seriesPosition], value));
        traces.push(trace(rows, measures[0], formatValue(value, seriesDimension.format),
          PALETTE[number % PALETTE.length], number, value));
      });
    } else {
      const band = card.band;
      const inBand = (measure) => band && [band.lower, band.upper].includes(measure.name);
      measures.forEach((measure, number) => {
        if (inBand(measure)) return;
        const color = PALETTE[number % PALETTE.length];
        traces.push(trace(result.rows, measure, measure.title, color, number));
      });
      if (band) {
        // The interval as one shaded area under its line: the lower edge draws nothing, the
        // upper one fills down to it; one legend entry toggles both.
        const around = measures.findIndex((m) => m.name === band.around);
        // the hover's cells: the x value, then every measure's formatted value
        const cell = (name) => 1 + measures.findIndex((m) => m.name === name);
        const color = PALETTE[around % PALETTE.length];
        const edge = (name) => Object.assign(
          trace(result.rows, measures.find((m) => m.name === name), band.title, color, 0),
          { mode: "lines", line: { width: 0, color: color }, legendgroup: "band" });
        traces.unshift(
          Object.assign(edge(band.lower), { showlegend: false }),
          Object.assign(edge(band.upper), {
            fill: "tonexty", fillcolor: translucent(color, 0.18),
            hovertemplate: `${band.title}: %{customdata[${cell(band.lower)}]} to ` +
              `%{customdata[${cell(band.upper)}]}<extra></extra>`,
          }),
        );
      }
    }

    const plotted = seriesDimension ? [measures[0]] : measures;
    const onFirst = plotted.filter((m) => !secondAxis || m.format === primaryFormat);
    const onSecond = plotted.filter((m) => secondAxis && m.format !== primaryFormat);
    // One measure names its axis; several share the card's value_title (the legend names each).
    const valueTitle = onFirst.length === 1 ? onFirst[0].title : card.value_title || "";
    const categories = result.rows.map((row) => row[xPosition]);
    const layout = baseLayout({
      showlegend: traces.length > 1,
      legend: legend(seriesDimension ? seriesDimension.title : ""),
      hovermode: unified ? (horizontal ? "y unified" : "x unified") : "closest",
      bargap: 0.25,
      barmode: card.chart === "stacked_bar" ? "stack" : "group",
    });
    if (horizontal) {
      layout.xaxis = valueAxis(primaryFormat, valueTitle);
      layout.yaxis = Object.assign(dimensionAxis(xDimension, categories, width), {
        autorange: "reversed",
        title: axisTitle(""),
      });
    } else {
      layout.xaxis = dimensionAxis(xDimension, categories, width);
      layout.yaxis = valueAxis(primaryFormat, valueTitle);
      if (onSecond.length) {
        layout.yaxis2 = Object.assign(
          valueAxis(onSecond[0].format, onSecond.length === 1 ? onSecond[0].title : ""),
          { overlaying: "y", side: "right", showgrid: false },
        );
      }
    }
    return { data: traces, layout: layout };
  }

  function colorbar(measure) {
    return Object.assign({
      title: { text: measure.title, side: "right", font: { size: 11, color: MUTED } },
      thickness: 10,
      len: 0.75,
      outlinewidth: 0,
      tickfont: { size: 10, color: MUTED },
    }, numberTicks(measure.format));
  }

  function mapChart(card, result) {
    const index = columnIndex(result.columns);
    const state = index[card.dimensions[0].column];
    const measure = card.measures[0];
    const rows = result.rows.filter((row) =>
      row[state] !== null && row[index[measure.name]] !== null);
    const codes = window.BRAZIL_STATES.features.map((feature) => feature.id);
    const lines = ["<b>%{customdata[0]}</b>"].concat(
      card.measures.map((m, offset) => `${m.title}: %{customdata[${offset + 1}]}`));
    const outline = { line: { color: "#ffffff", width: 0.7 } };
    // Every state in grey first, so states without data still draw the country's outline.
    const background = {
      type: "choropleth",
      geojson: window.BRAZIL_STATES,
      featureidkey: "id",
      locations: codes,
      z: codes.map(() => 0),
      customdata: codes.map(stateName),
      colorscale: [[0, NO_DATA_FILL], [1, NO_DATA_FILL]],
      showscale: false,
      marker: outline,
      hovertemplate: "<b>%{customdata}</b><br>No data<extra></extra>",
    };
    const values = {
      type: "choropleth",
      geojson: window.BRAZIL_STATES,
      featureidkey: "id",
      locations: rows.map((row) => row[state]),
      z: rows.map((row) => row[index[measure.name]]),
      customdata: rows.map((row) => [stateName(row[state])].concat(
        card.measures.map((m) => formatValue(row[index[m.name]], m.format)))),
      colorscale: SEQUENTIAL,
      marker: outline,
      colorbar: colorbar(measure),
      hovertemplate: `${lines.join("<br>")}<extra></extra>`,
    };
    return {
      data: [background, values],
      layout: baseLayout({
        margin: { l: 0, r: 0, t: 0, b: 0 },
        geo: {
          visible: false,
          fitbounds: "locations",
          projection: { type: "mercator" },
          bgcolor: "rgba(0,0,0,0)",
        },
        dragmode: false,
      }),
    };
  }

  function heatmap(card, result) {
    const index = columnIndex(result.columns);
    const [xDimension, yDimension] = card.dimensions;
    const measure = card.measures[0];
    const xPosition = index[xDimension.column];
    const yPosition = index[yDimension.column];
    const xs = distinct(result.rows.map((row) => row[xPosition])).sort(compare);
    const ys = distinct(result.rows.map((row) => row[yPosition])).sort(compare);
    const xLabels = xs.map((value) => formatValue(value, xDimension.format));
    const yLabels = ys.map((value) => formatValue(value, yDimension.format));
    const z = ys.map(() => xs.map(() => null));
    const text = ys.map(() => xs.map(() => ""));
    result.rows.forEach((row) => {
      const column = xs.findIndex((value) => same(value, row[xPosition]));
      const line = ys.findIndex((value) => same(value, row[yPosition]));
      z[line][column] = row[index[measure.name]];
      text[line][column] = formatValue(row[index[measure.name]], measure.format);
    });
    const annotate = xs.length * ys.length <= 120;
    return {
      data: [{
        type: "heatmap",
        x: xLabels,
        y: yLabels,
        z: z,
        text: text,
        texttemplate: annotate ? "%{text}" : undefined,
        textfont: { size: 10 },
        colorscale: SEQUENTIAL,
        xgap: 2,
        ygap: 2,
        colorbar: colorbar(measure),
        hovertemplate: `${xDimension.title}: <b>%{x}</b><br>${yDimension.title}: <b>%{y}</b>` +
          `<br>${measure.title}: %{text}<extra></extra>`,
      }],
      layout: baseLayout({
        xaxis: {
          type: "category", title: axisTitle(xDimension.title), automargin: true,
          tickfont: { size: 11, color: MUTED }, fixedrange: true, showgrid: false,
        },
        // Numbers grow upwards, as on any y axis; other values read top-down, as in a table.
        yaxis: {
          type: "category", title: axisTitle(yDimension.title), automargin: true,
          autorange: ys.every((y) => typeof y === "number") ? true : "reversed",
          tickfont: { size: 11, color: MUTED }, fixedrange: true, showgrid: false,
        },
      }),
    };
  }

  function scatter(card, result) {
    const index = columnIndex(result.columns);
    const [xMeasure, yMeasure, sizeMeasure] = card.measures;
    const [labelDimension, seriesDimension] = card.dimensions;
    const rows = result.rows.filter((row) =>
      row[index[xMeasure.column]] !== null && row[index[yMeasure.column]] !== null);
    const size = (row) => Math.abs(row[index[sizeMeasure.column]] || 0);
    const largest = sizeMeasure ? rows.reduce((most, row) => Math.max(most, size(row)), 1e-9) : 1;
    const lines = [];
    if (labelDimension) lines.push("<b>%{customdata[0]}</b>");
    card.measures.forEach((m, offset) => lines.push(`${m.title}: %{customdata[${offset + 1}]}`));
    if (seriesDimension) {
      lines.push(`${seriesDimension.title}: %{customdata[${card.measures.length + 1}]}`);
    }

    function label(row, dimension) {
      return dimension ? formatValue(row[index[dimension.column]], dimension.format) : "";
    }

    function trace(subset, name, color) {
      return {
        type: "scatter",
        mode: "markers",
        name: name,
        x: subset.map((row) => row[index[xMeasure.column]]),
        y: subset.map((row) => row[index[yMeasure.column]]),
        customdata: subset.map((row) => [label(row, labelDimension)].concat(
          card.measures.map((m) => formatValue(row[index[m.column]], m.format)),
          seriesDimension ? [label(row, seriesDimension)] : [],
        )),
        marker: {
          color: translucent(color, 0.7),
          line: { color: color, width: 1 },
          size: sizeMeasure ? subset.map(size) : 9,
          sizemode: "area",
          sizeref: sizeMeasure ? (2 * largest) / (30 * 30) : undefined,
          sizemin: 4,
        },
        hovertemplate: `${lines.join("<br>")}<extra></extra>`,
      };
    }

    const traces = [];
    if (seriesDimension) {
      const position = index[seriesDimension.column];
      distinct(rows.map((row) => row[position])).sort(compare).forEach((value, number) => {
        const subset = rows.filter((row) => same(row[position], value));
        const name = formatValue(value, seriesDimension.format);
        traces.push(trace(subset, name, PALETTE[number % PALETTE.length]));
      });
    } else {
      traces.push(trace(rows, xMeasure.title, PALETTE[0]));
    }
    return {
      data: traces,
      layout: baseLayout({
        showlegend: traces.length > 1,
        legend: legend(seriesDimension ? seriesDimension.title : ""),
        hovermode: "closest",
        xaxis: Object.assign(valueAxis(xMeasure.format, xMeasure.title), {
          rangemode: "normal", showgrid: true,
        }),
        yaxis: Object.assign(valueAxis(yMeasure.format, yMeasure.title), { rangemode: "normal" }),
      }),
    };
  }

  const FIGURES = {
    line: cartesian,
    area: cartesian,
    bar: cartesian,
    stacked_bar: cartesian,
    row: cartesian,
    map: mapChart,
    heatmap: heatmap,
    scatter: scatter,
  };

  // --- cards ------------------------------------------------------------------------------

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showEmpty(body) {
    const plot = body.querySelector(".plot");
    if (plot) window.Plotly.purge(plot);
    body.replaceChildren(element("div", "empty", EMPTY_TEXT));
  }

  function hasValues(card, result) {
    if (!result.rows.length) return false;
    const index = columnIndex(result.columns);
    const first = card.aggregate ? card.measures[0].name : card.measures[0].column;
    return result.rows.some((row) => row[index[first]] !== null && row[index[first]] !== undefined);
  }

  function renderKpi(card, result, body) {
    const measure = card.measures[0];
    const value = result.rows.length ? result.rows[0][0] : null;
    if (value === null || value === undefined) {
      showEmpty(body);
      return;
    }
    const node = element("div", "kpi-value", formatValue(value, measure.format, { short: true }));
    node.title = `${measure.title}: ${formatValue(value, measure.format)}`;
    body.replaceChildren(node);
  }

  // A number too wide for its card is shrunk rather than cut, and the dashboard's other
  // numbers with it, so that they stay one size.
  function fitKpis() {
    const values = Array.from(document.querySelectorAll(".kpi-value"));
    let size = 34;
    values.forEach((node) => { node.style.fontSize = ""; });
    values.forEach((node) => {
      node.style.fontSize = `${size}px`;
      while (node.scrollWidth > node.parentElement.clientWidth && size > 16) {
        size -= 2;
        node.style.fontSize = `${size}px`;
      }
    });
    values.forEach((node) => { node.style.fontSize = `${size}px`; });
  }

  function renderTable(card, result, body) {
    const formats = card.dimensions.map((d) => d.format).concat(card.measures.map((m) => m.format));
    const titles = card.dimensions.map((d) => d.title).concat(card.measures.map((m) => m.title));
    const table = element("table", "data-table");
    const head = table.createTHead().insertRow();
    titles.forEach((title, position) => {
      const numeric = NUMERIC_FORMATS.includes(formats[position]);
      const cell = element("th", numeric ? "number" : "", title);
      cell.scope = "col";
      head.appendChild(cell);
    });
    const bodyRows = table.createTBody();
    result.rows.forEach((row) => {
      const line = bodyRows.insertRow();
      row.forEach((value, position) => {
        const cell = line.insertCell();
        cell.textContent = formatValue(value, formats[position]);
        if (NUMERIC_FORMATS.includes(formats[position])) cell.className = "number";
      });
    });
    const scroll = element("div", "table-scroll");
    scroll.appendChild(table);
    body.replaceChildren(scroll);
  }

  function renderPlot(card, result, body) {
    let plot = body.querySelector(".plot");
    if (!plot) {
      plot = element("div", "plot");
      body.replaceChildren(plot);
    }
    const figure = FIGURES[card.chart](card, result, plot.clientWidth);
    return window.Plotly.react(plot, figure.data, figure.layout, PLOT_CONFIG);
  }

  function renderNote(card, node, filterValues) {
    const missing = payload.dashboard.filters.filter((f) => !(f.kind in card.filters));
    if (!missing.length) return;
    const titles = missing.map((f) => f.title.toLowerCase());
    const last = titles.pop();
    node.textContent = `Not filtered by ${titles.length ? `${titles.join(", ")} or ` : ""}${last}`;
    const active = missing.some((f) => f.variables.some((v) => filterValues[v]));
    node.classList.toggle("is-active", active);
    node.hidden = false;
  }

  function renderCard(card, filterValues) {
    const root = document.getElementById(`card-${card.id}`);
    const body = root.querySelector(".card-body");
    renderNote(card, root.querySelector(".card-note"), filterValues);
    const result = cardResult(card, filterValues);
    if (card.chart === "kpi") return renderKpi(card, result, body);
    if (!hasValues(card, result)) return showEmpty(body);
    if (card.chart === "table") return renderTable(card, result, body);
    return renderPlot(card, result, body);
  }

  // --- filters ----------------------------------------------------------------------------

  let payload = null;
  let current = {};

  function allowed(filter, variable, value) {
    return filter.variables.includes(variable) && filter.options.some((o) => o.value === value);
  }

  function readHash() {
    const values = {};
    const params = new URLSearchParams(window.location.hash.slice(1));
    payload.dashboard.filters.forEach((filter) => {
      filter.variables.forEach((variable) => {
        const value = params.get(variable);
        if (value && allowed(filter, variable, value)) values[variable] = value;
      });
    });
    return values;
  }

  function writeHash() {
    const params = new URLSearchParams();
    Object.entries(current).forEach(([variable, value]) => params.set(variable, value));
    const hash = params.toString();
    const url = window.location.pathname + window.location.search + (hash ? `#${hash}` : "");
    window.history.replaceState(null, "", url);
  }

  function select(name, label, emptyLabel, options) {
    const node = element("select");
    node.name = name;
    node.setAttribute("aria-label", label);
    node.appendChild(new Option(emptyLabel, ""));
    options.forEach((option) => node.appendChild(new Option(option.label, option.value)));
    return node;
  }

  function buildFilters() {
    const form = document.getElementById("filters");
    if (!payload.dashboard.filters.length) return;
    payload.dashboard.filters.forEach((filter) => {
      const group = element("div", "filter");
      group.dataset.filter = filter.kind;
      group.appendChild(element("span", "filter-label", filter.title));
      const controls = element("div", "filter-controls");
      if (filter.kind === "date") {
        controls.append(
          element("span", "", "From"),
          select("date_from", `${filter.title} from`, "Earliest", filter.options),
          element("span", "", "to"),
          select("date_to", `${filter.title} to`, "Latest", filter.options),
        );
      } else {
        controls.appendChild(select(filter.variables[0], filter.title, "All", filter.options));
      }
      group.appendChild(controls);
      form.appendChild(group);
    });
    const reset = element("button", "filter-reset", "Reset filters");
    reset.type = "button";
    reset.addEventListener("click", () => setFilters({}));
    form.appendChild(reset);
    form.addEventListener("change", () => {
      const values = {};
      form.querySelectorAll("select").forEach((node) => { values[node.name] = node.value; });
      setFilters(values);
    });
    form.addEventListener("submit", (event) => event.preventDefault());
    form.hidden = false;
  }

  function syncControls() {
    document.querySelectorAll("#filters select").forEach((node) => {
      node.value = current[node.name] || "";
      node.classList.toggle("is-set", Boolean(node.value));
    });
  }

  let rendering = Promise.resolve();

  function renderAll() {
    document.body.dataset.ready = "false";
    const drawn = payload.cards.map((card) => Promise.resolve(renderCard(card, current)));
    fitKpis();
    rendering = Promise.all(drawn).then(() => { document.body.dataset.ready = "true"; });
    return rendering;
  }

  function setFilters(values) {
    current = {};
    Object.entries(values || {}).forEach(([variable, value]) => {
      if (value !== null && value !== undefined && value !== "") current[variable] = value;
    });
    syncControls();
    writeHash();
    return renderAll();
  }

  window.olistDashboard = {
    cardResult: (cardId, filterValues) =>
      cardResult(payload.cards.find((card) => card.id === cardId), filterValues),
    format: formatValue,
    stateName: stateName,
    filterValues: () => Object.assign({}, current),
    setFilters: setFilters,
    rendered: () => rendering,
  };

  function start() {
    const data = document.getElementById("dashboard-data");
    if (!data) return;
    payload = JSON.parse(data.textContent);
    buildFilters();
    setFilters(readHash());
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
